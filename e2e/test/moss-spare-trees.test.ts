// Transactions that change a spare tree in place instead of building the whole /usr: what
// transaction triggers wrote into a tree is gone when the tree is reused (the result is, entry
// by entry, a full build's with its triggers run), the number of trees kept is a setting, and
// trees boot entries name are never reused.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFullBuild } from './support/full-build.js';
import { MOSS_BUILT, moss } from './support/paths.js';
import { makeStone, manyFiles } from './support/stones.js';

const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss spare-tree e2e: ${skip}`);
// A statically linked busybox gives the staged /usr a shell and `env` for a real transaction
// trigger to run in its namespace (Debian: busybox-static, or busybox built static).
const BUSYBOX = '/bin/busybox';
const noBusybox = !existsSync(BUSYBOX) ? `${BUSYBOX} is absent (apt-get install busybox-static)` : undefined;
if (noBusybox) console.warn(`skipping the trigger test: ${noBusybox}`);

const work = mkdtempSync(join(tmpdir(), 'moss-spare-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const stones = join(work, 'stones');
const S: Record<string, string> = {};

beforeAll(async () => {
  if (skip) return;
  mkdirSync(stones, { recursive: true });
  if (!noBusybox) {
    S.shell = await makeStone(stones, {
      name: 'shell',
      files: { 'bin/busybox': { path: BUSYBOX, mode: 0o755 } },
      symlinks: { 'bin/sh': 'busybox', 'bin/env': 'busybox', 'bin/mkdir': 'busybox' },
    });
  }
  // Release 1 ships a transaction trigger that writes a cache next to the files and a directory
  // of its own; releases 2 and 3 have no trigger. A tree made with release 1 and reused later
  // must lose what the trigger wrote.
  for (let v = 1; v <= 3; v++) {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`share/app/f${i}`] = i % 2 === 0 ? `app ${v} ${i}\n` : `app ${i}\n`;
    if (v === 1) {
      files['share/moss/triggers/tx.d/app-cache.yaml'] = [
        'name: app-cache',
        'description: writes a cache of the app files',
        'handlers:',
        '    cache:',
        '        run: /usr/bin/sh',
        '        args: ["-c", "echo generated > /usr/share/app/cache && mkdir -p /usr/share/gen/sub && echo x > /usr/share/gen/sub/f"]',
        'paths:',
        '    "/usr/share/app/*":',
        '        handlers:',
        '            - cache',
        '',
      ].join('\n');
    }
    S[`app${v}`] = await makeStone(stones, { name: 'app', release: v, files });
  }
  S.other = await makeStone(stones, { name: 'other', files: { 'share/other/x': 'x\n' } });
  // What the packages that change are next to: the rest of a system (a change is made in place
  // only when it is a small part of the tree).
  S.rest = await makeStone(stones, { name: 'rest', files: manyFiles('share/rest', 400) });
  // 5,200 directories: the scan of a reused tree for what was written into it goes to a worker
  // thread from 5,000 (dirty-scan.ts), which the bundled binary must carry.
  S.wide = await makeStone(stones, { name: 'wide', files: manyFiles('share/wide', 5200, 1) });
  for (let v = 1; v <= 3; v++) {
    S[`plain${v}`] = await makeStone(stones, {
      name: 'plain',
      release: v,
      files: { [`share/plain/v${v}`]: `${v}\n`, 'share/plain/same': 'same\n' },
    });
  }
});

const m = (root: string, ...args: string[]) => moss(['-D', root, ...args]);
/** Runs moss and expects success, showing its stderr otherwise; returns its stderr. */
function ok(root: string, ...args: string[]): string {
  const r = m(root, ...args);
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}
const active = (root: string) => Number(readFileSync(join(root, 'usr', '.stateID'), 'utf8'));
const trees = (root: string) =>
  readdirSync(join(root, '.moss', 'root'))
    .filter((n) => /^\d+$/.test(n) && existsSync(join(root, '.moss', 'root', n, 'usr')))
    .map(Number)
    .sort((a, b) => a - b);

describe.skipIf(skip !== undefined || noBusybox !== undefined)(
  'transaction triggers and reused trees',
  () => {
    it('a reused tree loses what triggers wrote into it and gets what its own state’s triggers write', () => {
      const root = join(work, 'triggers');
      mkdirSync(root);
      ok(root, 'install', S.shell!, S.rest!, S.app1!, '-y');
      // The trigger ran in the new tree, before the swap.
      expect(readFileSync(join(root, 'usr/share/app/cache'), 'utf8')).toBe('generated\n');
      expect(existsSync(join(root, 'usr/share/gen/sub/f'))).toBe(true);
      ok(root, 'install', S.app2!, '-y');
      expect(existsSync(join(root, 'usr/share/app/cache'))).toBe(false);
      // State 3 reuses state 1's tree, cache and all: both must go, as release 3 has no trigger.
      const r = m(root, 'install', S.app3!, '-y', '-v');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('entries changed');
      expect(existsSync(join(root, 'usr/share/app/cache'))).toBe(false);
      expect(existsSync(join(root, 'usr/share/gen'))).toBe(false);
      expectFullBuild(root, [S.shell!, S.rest!, S.app3!], work);
      // State 4 reuses state 2's tree and brings the trigger back: it runs on the changed tree.
      const r4 = m(root, 'install', S.app1!, '-y', '-v');
      expect(r4.stderr).toContain('entries changed');
      expect(readFileSync(join(root, 'usr/share/app/cache'), 'utf8')).toBe('generated\n');
      expectFullBuild(root, [S.shell!, S.rest!, S.app1!], work);
      expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
    });
  },
);

describe.skipIf(skip !== undefined)('a wide tree', () => {
  it('is scanned on a thread by the binary, which finds what was written into it while live', () => {
    const root = join(work, 'wide');
    mkdirSync(root);
    ok(root, 'install', S.wide!, S.plain1!, '-y');
    // Written into the live tree of state 1, deep down: state 1's tree is reused by state 3.
    writeFileSync(join(root, 'usr/share/wide/d5123/stray'), 'not in any layout\n');
    ok(root, 'install', S.plain2!, '-y');
    const r = m(root, 'install', S.plain3!, '-y', '-v');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('entries changed');
    expect(existsSync(join(root, 'usr/share/wide/d5123/stray'))).toBe(false);
    expectFullBuild(root, [S.wide!, S.plain3!], work);
  });
});

describe.skipIf(skip !== undefined)('how many trees are kept', () => {
  it('keeps the previous state’s tree by default, and as many as etc/moss/states.yaml says', () => {
    const root = join(work, 'keep');
    mkdirSync(root);
    ok(root, 'install', S.rest!, S.plain1!, '-y');
    for (const s of [S.other!, S.plain2!, S.plain3!]) ok(root, 'install', s, '-y');
    // Four states: the live one, the previous one ready for a rollback; the others recycled.
    expect(active(root)).toBe(4);
    expect(trees(root)).toEqual([3]);
    ok(root, 'state', 'activate', '3');
    expect(trees(root)).toEqual([4]);
    mkdirSync(join(root, 'etc', 'moss'), { recursive: true });
    writeFileSync(join(root, 'etc', 'moss', 'states.yaml'), 'keep-trees: 3\n');
    for (const s of [S.plain1!, S.plain2!, S.plain1!]) ok(root, 'install', s, '-y');
    // No spare for two transactions (every archived tree is among the three kept), then the
    // oldest beyond them is reused.
    expect(active(root)).toBe(7);
    expect(trees(root)).toEqual([4, 5, 6]);
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });

  it('never reuses a tree a boot entry names', () => {
    const root = join(work, 'boot');
    mkdirSync(join(root, 'etc', 'moss'), { recursive: true });
    const esp = join(work, 'esp');
    mkdirSync(esp);
    // An image root with its boot directory configured: moss manages boot entries for it, for
    // the active state and the 4 newest others.
    writeFileSync(join(root, 'etc', 'moss', 'boot.yaml'), `boot-dir: ${esp}\n`);
    ok(root, 'install', S.rest!, S.plain1!, '-y');
    for (const s of [S.plain2!, S.plain3!, S.plain1!, S.plain2!, S.plain3!]) ok(root, 'install', s, '-y');
    // Until then every archived tree was in the boot menu: none was reused.
    expect(active(root)).toBe(6);
    expect(trees(root)).toEqual([1, 2, 3, 4, 5]);
    // The menu now shows 6 and 2-5: the seventh transaction reuses state 1's tree.
    expect(ok(root, 'install', S.plain1!, '-y', '-v')).toContain('entries changed');
    expect(trees(root)).toEqual([2, 3, 4, 5, 6]);
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });

  it('keeps the trees of the boot menu on disk while it has not followed a boot-time rollback', () => {
    const root = join(work, 'boot-marker');
    mkdirSync(join(root, 'etc', 'moss'), { recursive: true });
    const esp = join(work, 'esp-marker');
    mkdirSync(esp);
    // The menu shows the active state alone, so only the marker keeps other trees.
    writeFileSync(join(root, 'etc', 'moss', 'boot.yaml'), `boot-dir: ${esp}\nkeep: 0\n`);
    ok(root, 'install', S.rest!, S.plain1!, '-y');
    for (const s of [S.plain2!, S.plain3!, S.plain1!]) ok(root, 'install', s, '-y');
    expect(trees(root)).toEqual([3]);
    // What the initrd's moss-fstx leaves after activating state 3, picked in a boot menu whose
    // default was 4: state 3 live, 4 archived, and its finished journal as the marker. The ESP
    // is away, so the menu cannot follow: the marker stays, and the menu on disk is 4's.
    ok(root, 'state', 'activate', '3');
    const marker = join(root, '.moss', 'boot-activation.json');
    writeFileSync(
      marker,
      JSON.stringify({ version: 1, kind: 'activate', targetId: 3, previousId: 4, origin: 'initrd' }),
    );
    rmSync(esp, { recursive: true });
    expect(ok(root, 'install', S.plain2!, '-y')).toContain('boot entries not updated');
    expect(existsSync(marker)).toBe(true);
    expect(active(root)).toBe(5);
    // Only state 5 would have an entry now, but the menu on disk offers 4 (its default) and 3
    // (the state picked at boot): neither tree is reused.
    expect(trees(root)).toEqual([3, 4]);
    ok(root, 'install', S.plain3!, '-y');
    expect(active(root)).toBe(6);
    expect(trees(root)).toEqual([3, 4, 5]);
    // The ESP is back: the menu follows, the marker goes, and the trees beyond it are spare.
    mkdirSync(esp);
    expect(ok(root, 'install', S.plain1!, '-y', '-v')).toContain('entries changed');
    expect(existsSync(marker)).toBe(false);
    expect(trees(root)).toHaveLength(3);
    expect(trees(root)).toContain(6);
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });
});
