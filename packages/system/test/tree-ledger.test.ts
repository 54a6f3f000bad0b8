// The ledger a tree carries and the seal its ctime gives: which directories were written to
// after the tree was made (what triggers or people did), found on a real directory tree.
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TransactionError } from '../src/index.js';
import { dirtyDirectories, scanDirtyDirectories, warmDirtyScanner } from '../src/transaction/dirty-scan.js';
import { dropLedger, LEDGER_FILE, readLedger, writeLedger } from '../src/transaction/tree-ledger.js';
import { readTreesConfig } from '../src/transaction/tree-spares.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function tree(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  const usr = join(t.dir, 'usr');
  for (const d of ['bin', 'share/a', 'share/b', 'lib']) mkdirSync(join(usr, d), { recursive: true });
  writeFileSync(join(usr, 'bin/tool'), 'x');
  writeFileSync(join(usr, '.stateID'), '3');
  return usr;
}
const dirs = ['bin', 'lib', 'share', 'share/a', 'share/b'];
// Filesystem timestamps tick at the kernel's coarse clock (a few ms): wait past one.
const tick = () => new Promise((r) => setTimeout(r, 30));

describe('tree ledger', () => {
  it('round-trips, and a tree without one (or with a damaged one) has none', () => {
    const usr = tree();
    expect(readLedger(usr)).toBeUndefined();
    writeLedger(usr, { version: 1, packages: ['a', 'b'], rows: 12, dirs });
    expect(readLedger(usr)?.ledger).toEqual({ version: 1, packages: ['a', 'b'], rows: 12, dirs });
    writeFileSync(join(usr, LEDGER_FILE), '{"version": 2}');
    expect(readLedger(usr)).toBeUndefined();
    writeFileSync(join(usr, LEDGER_FILE), 'not json');
    expect(readLedger(usr)).toBeUndefined();
    dropLedger(usr);
    expect(readLedger(usr)).toBeUndefined();
  });

  it('finds the directories written to after the seal, and always checks /usr itself', async () => {
    const usr = tree();
    await tick();
    writeLedger(usr, { version: 1, packages: [], rows: 0, dirs });
    const { ledger, sealedMs } = readLedger(usr)!;
    await tick();
    expect(dirtyDirectories(usr, ledger.dirs, sealedMs)).toEqual([
      { path: '', names: ['bin', 'lib', 'share'] },
    ]);
    // A trigger's cache, a file renamed away, a chmod: each changes its directory's ctime.
    writeFileSync(join(usr, 'share/a/cache'), 'c');
    renameSync(join(usr, 'bin/tool'), join(usr, 'lib/tool'));
    chmodSync(join(usr, 'share/b'), 0o700);
    rmSync(join(usr, 'share/b'), { recursive: true });
    mkdirSync(join(usr, 'share/b'));
    const dirty = dirtyDirectories(usr, ledger.dirs, sealedMs);
    // The same from a worker thread (what a transaction uses for a whole system's tree).
    const gone = (from: number) => Array.from({ length: 3000 }, (_, i) => `gone/${from + i}`);
    const many = [...gone(0), ...ledger.dirs, ...gone(3000)];
    expect(await scanDirtyDirectories(usr, many, sealedMs).result).toEqual(dirty);
    // And from a thread started ahead, which waits for its job (twice: a used one is not
    // reused), with this thread taking part at once: the two findings merge in the list's order.
    for (let i = 0; i < 2; i++) {
      warmDirtyScanner();
      const scan = scanDirtyDirectories(usr, many, sealedMs);
      scan.help();
      expect(await scan.result).toEqual(dirty);
    }
    expect(dirty.map((d) => d.path)).toEqual(['', 'bin', 'lib', 'share', 'share/a', 'share/b']);
    expect(dirty.find((d) => d.path === 'share/a')?.names).toEqual(['cache']);
    // moss's own files in /usr are never taken for something to clean.
    expect(dirty[0]?.names).not.toContain('.stateID');
    expect(dirty[0]?.names).not.toContain(LEDGER_FILE);
  });
});

describe('etc/moss/states.yaml', () => {
  it('defaults to one tree kept, and refuses what is not a whole number', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    expect(readTreesConfig(t.dir)).toEqual({ keepTrees: 1 });
    mkdirSync(join(t.dir, 'etc/moss'), { recursive: true });
    writeFileSync(join(t.dir, 'etc/moss/states.yaml'), 'keep-trees: 3\n');
    expect(readTreesConfig(t.dir)).toEqual({ keepTrees: 3 });
    writeFileSync(join(t.dir, 'etc/moss/states.yaml'), 'keep-trees: -1\n');
    expect(() => readTreesConfig(t.dir)).toThrow(TransactionError);
    writeFileSync(join(t.dir, 'etc/moss/states.yaml'), 'keep-trees: [\n');
    expect(() => readTreesConfig(t.dir)).toThrow(/not valid YAML/);
  });
});
