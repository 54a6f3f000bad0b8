import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  copyFileAtomic,
  replaceFile,
  syncDir,
  syncDirSync,
  syncfsOf,
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../src/index.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'durable-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates the file and its parents, then replaces it, leaving no temporary file', async () => {
    const dir = temp();
    const path = join(dir, 'a', 'b', 'f.txt');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, new TextEncoder().encode('two'), { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['f.txt']);
  });

  it('the sync form does the same', () => {
    const dir = temp();
    const path = join(dir, 'x', 'f');
    writeFileAtomicSync(path, 'one');
    writeFileAtomicSync(path, 'two', { temp: `${path}.fixed-tmp` });
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'x'))).toEqual(['f']);
  });

  it('leaves the old file and no temporary file when filling fails', async () => {
    const dir = temp();
    const path = join(dir, 'f');
    writeFileSync(path, 'old');
    await expect(
      replaceFile(path, async (t) => {
        writeFileSync(t, 'half');
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('copies a file the same way', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'src'), 'kernel');
    await copyFileAtomic(join(dir, 'src'), join(dir, 'boot', 'vmlinuz'));
    expect(readFileSync(join(dir, 'boot', 'vmlinuz'), 'utf8')).toBe('kernel');
  });

  it('names temporary files as hidden, unique siblings', () => {
    const a = tempPathFor('/x/y/file');
    expect(a).toMatch(new RegExp(`^/x/y/\\.file\\.${process.pid}\\.[0-9a-z]+\\.[0-9a-z]+\\.tmp$`));
    expect(tempPathFor('/x/y/file')).not.toBe(a);
  });

  it('syncs directories, and says so when one is missing', async () => {
    const dir = temp();
    await syncDir(dir);
    syncDirSync(dir);
    await expect(syncDir(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('syncfsOf', () => {
  it('calls the real syncfs(2) on this machine', async () => {
    const flush = syncfsOf(temp());
    if (flush === undefined) {
      console.warn('syncfs test SKIPPED: koffi cannot call syncfs here (not Linux or no binary)');
      return;
    }
    await expect(flush()).resolves.toBeUndefined();
  });
});

describe('kill -9 while replacing', () => {
  // The child runs the built package (the sources' `.js` import specifiers need the test runner).
  const dist = new URL('../dist/index.js', import.meta.url);
  it.skipIf(!existsSync(dist))(
    'always leaves one whole version of the file (needs `tsc -b` first)',
    async () => {
      const dir = temp();
      const path = join(dir, 'state.json');
      let kills = 0;
      const versions = ['a', 'b'].map((c) => c.repeat(256 * 1024));
      writeFileSync(path, versions[0]!);
      const script = `
      const { writeFileAtomicSync } = await import(${JSON.stringify(dist)});
      const v = ['a', 'b'].map((c) => c.repeat(256 * 1024));
      process.stdout.write('ready\\n');
      for (let i = 1; ; i++) writeFileAtomicSync(${JSON.stringify(path)}, v[i % 2]);
    `;
      for (let round = 0; round < 5; round++) {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        await new Promise((r) => setTimeout(r, 20 + round * 15));
        child.kill('SIGKILL');
        const [, signal] = await new Promise<[unknown, string]>((r) =>
          child.once('exit', (c, sig) => r([c, sig])),
        );
        if (signal === 'SIGKILL') kills++;
        expect(versions).toContain(readFileSync(path, 'utf8'));
      }
      expect(kills).toBe(5);
      // Whatever the kills left behind are temporary siblings, never a second copy of the target.
      expect(readdirSync(dir).filter((n) => !n.endsWith('.tmp'))).toEqual(['state.json']);
    },
  );
});
