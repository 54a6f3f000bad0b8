import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRoot } from '../src/root/open-root.js';
import type { Root } from '../src/root/root-types.js';
import { finished, spawnFixture, tempDir } from './helpers.js';
import { stone } from './stones.js';

// The engine driven through openRoot against real temporary roots: real stones, real hard
// links into a real store, the real renameat2 swap, and real SIGKILLs at each journal step.
const work = tempDir('serpent-root-');
afterAll(() => work.remove());
const S: Record<string, string> = {};

beforeAll(async () => {
  const dir = join(work.dir, 'stones');
  mkdirSync(dir);
  S.lib = await stone(dir, 'libgreet', { 'lib/libgreet.so.1': 'greet v1\n' });
  S.hello = await stone(
    dir,
    'hello',
    { 'bin/hello': '#!/bin/sh\necho hello\n', 'share/hello/a': 'a\n' },
    {
      depends: ['name(libgreet)'],
    },
  );
  S.big = await stone(
    dir,
    'big',
    Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`share/big/d${i % 20}/f${i}`, `big ${i}\n`])),
  );
});

function newRoot(name: string): string {
  const dir = join(work.dir, name);
  mkdirSync(dir);
  return dir;
}

async function install(root: Root, add: string[]) {
  return root.commit(await root.plan({ add }));
}

describe('openRoot: plan and commit', () => {
  it('installs stones with their dependencies as a new state, and lists them', async () => {
    await using root = await openRoot(newRoot('install'));
    const plan = await root.plan({ add: [S.hello!, S.lib!] });
    expect(plan.kind).toBe('install');
    expect(plan.install.map((p) => p.name)).toEqual(['libgreet', 'hello']);
    expect(plan.empty).toBe(false);
    expect(plan.baseStateId).toBeNull();
    const r = await root.commit(plan);
    expect(r).toEqual({ stateId: 1, previousStateId: null });
    expect(readFileSync(join(root.path, 'usr/bin/hello'), 'utf8')).toContain('echo hello');
    expect((await root.packages.installed()).map((p) => [p.name, p.explicit])).toEqual([
      ['hello', true],
      ['libgreet', true],
    ]);
    expect((await root.states.active())?.id).toBe(1);
    const again = await root.plan({ add: [S.hello!] });
    expect(again.empty).toBe(true);
    expect(again.alreadyInstalled.map((p) => p.name)).toEqual(['hello']);
  });

  it('removes with reverse dependencies, rolls back, and refuses a plan made on another state', async () => {
    await using root = await openRoot(newRoot('remove'));
    await install(root, [S.hello!, S.lib!]);
    const plan = await root.plan({ remove: ['libgreet'] });
    expect(plan.remove.map((x) => [x.package.name, x.reason])).toEqual([
      ['hello', 'reverse-dependency'],
      ['libgreet', 'requested'],
    ]);
    const stale = await root.plan({ remove: ['hello'] });
    expect((await root.commit(plan)).stateId).toBe(2);
    expect(existsSync(join(root.path, 'usr/bin/hello'))).toBe(false);
    await expect(root.commit(stale)).rejects.toMatchObject({ code: 'TX_PLAN_STALE' });
    await expect(root.commit(plan)).rejects.toMatchObject({ code: 'TX_PLAN_UNKNOWN' });
    expect(await root.states.activate(1)).toEqual({ stateId: 1, previousStateId: 2 });
    expect(readFileSync(join(root.path, 'usr/share/hello/a'), 'utf8')).toBe('a\n');
    expect((await root.states.list()).map((s) => [s.id, s.active])).toEqual([
      [2, false],
      [1, true],
    ]);
  });

  it('refuses a request for nothing or for two changes at once', async () => {
    await using root = await openRoot(newRoot('invalid'));
    await expect(root.plan({})).rejects.toMatchObject({ code: 'TX_PLAN_INVALID' });
    await expect(root.plan({ add: ['a'], remove: ['b'] })).rejects.toMatchObject({ code: 'TX_PLAN_INVALID' });
  });

  it('makes DIR/usr with `to`, recording no state', async () => {
    await using root = await openRoot(newRoot('to-source'));
    const target = newRoot('to-target');
    writeFileSync(join(target, 'keep-me'), 'x');
    const plan = await root.plan({ add: [S.hello!, S.lib!], to: target });
    const r = await root.commit(plan);
    expect(r.target?.usr).toBe(join(target, 'usr'));
    expect(readFileSync(join(target, 'usr/lib/libgreet.so.1'), 'utf8')).toBe('greet v1\n');
    expect(existsSync(join(target, 'keep-me'))).toBe(true);
    expect(await root.states.list()).toEqual([]);
    await expect(root.plan({ add: [S.lib!], to: join(target, 'missing') })).rejects.toMatchObject({
      code: 'TX_TARGET_INVALID',
    });
  });
});

describe('openRoot: states', () => {
  it('verifies, names what is broken by package and path, and repairs it', async () => {
    await using root = await openRoot(newRoot('verify'));
    await install(root, [S.hello!, S.lib!]);
    expect((await root.states.verify()).issues).toEqual([]);
    unlinkSync(join(root.path, 'usr/share/hello/a'));
    const asset = join(root.path, '.moss/assets/v2');
    const { readdirSync, statSync } = await import('node:fs');
    // Damage the store's copy of the library (the live file is a hard link to it).
    const find = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) =>
        statSync(join(dir, n)).isDirectory() ? find(join(dir, n)) : [join(dir, n)],
      );
    const lib = find(asset).find((f) => readFileSync(f, 'utf8') === 'greet v1\n')!;
    writeFileSync(lib, 'tampered\n');
    const report = await root.states.verify();
    expect(report.issues).toContainEqual(
      expect.objectContaining({ kind: 'missing-path', path: '/usr/share/hello/a', package: 'hello 1.0-1' }),
    );
    expect(report.issues).toContainEqual(
      expect.objectContaining({
        kind: 'corrupt-asset',
        usedBy: [{ package: 'libgreet 1.0-1', path: '/usr/lib/libgreet.so.1' }],
      }),
    );
    expect((await root.states.repair(report)).issues).toEqual([]);
    expect(readFileSync(join(root.path, 'usr/lib/libgreet.so.1'), 'utf8')).toBe('greet v1\n');
  });

  it('prunes old states and what only they used, after confirmation', async () => {
    await using root = await openRoot(newRoot('prune'));
    await install(root, [S.big!]);
    await install(root, [S.lib!]);
    await root.commit(await root.plan({ remove: ['big'] }));
    const seen: number[][] = [];
    const r = await root.states.prune({ keep: 1, confirm: (p) => void seen.push(p.states.map((s) => s.id)) });
    expect(seen).toEqual([[1, 2]]);
    expect(r.statesRemoved).toBe(2);
    expect(r.packagesRemoved).toBe(1);
    expect(r.assetsRemoved).toBe(400);
    expect((await root.states.list()).map((s) => s.id)).toEqual([3]);
    const none = await root.states.prune({ keep: 1, confirm: () => void seen.push([]) });
    expect(none.statesRemoved).toBe(0);
    expect(seen).toHaveLength(1);
    await expect(root.states.remove([3])).rejects.toMatchObject({ code: 'TX_STATE_ACTIVE' });
  });
});

describe('openRoot: recovery after a kill at every step', () => {
  const steps = [
    'phase-end:build',
    'phase-end:blit',
    'phase-end:triggers',
    'phase-end:sync',
    'phase-start:swap',
    'phase-end:swap',
    'phase-end:record',
    'phase-end:system-triggers',
  ];
  for (const step of steps) {
    it(`leaves the old state or the new one after SIGKILL at ${step}`, async () => {
      const dir = newRoot(`kill-${step.replace(':', '-')}`);
      {
        await using root = await openRoot(dir);
        await install(root, [S.lib!]);
      }
      const child = spawnFixture('commit-then-die.ts', [dir, step, S.big!]);
      const end = await finished(child);
      expect(end.stderr).not.toMatch(/Error/);
      expect(end.code).toBeNull();
      const events: string[] = [];
      await using root = await openRoot(dir, { onEvent: (e) => void events.push(e.type) });
      const active = (await root.states.active())!.id;
      // The journal is written once the tree is built: a kill before it leaves nothing to settle.
      expect(events.includes('recovered')).toBe(step !== 'phase-end:build');
      expect(existsSync(join(dir, '.moss/journal.json'))).toBe(false);
      expect(existsSync(join(dir, '.moss/root/staging/usr'))).toBe(false);
      const swapped = ['phase-end:swap', 'phase-end:record', 'phase-end:system-triggers'].includes(step);
      expect(active).toBe(swapped ? 2 : 1);
      expect((await root.states.list()).map((s) => s.id)).toEqual(swapped ? [2, 1] : [1]);
      expect(existsSync(join(dir, 'usr/share/big/d0/f0'))).toBe(swapped);
      expect((await root.states.verify()).issues).toEqual([]);
      // And the root goes on: the next transaction starts from the settled state.
      await install(root, [S.hello!, S.lib!]);
      expect(existsSync(join(dir, 'usr/bin/hello'))).toBe(true);
    });
  }
});

/** Every entry under `dir` with its type, size, mode, mtime and bytes: what "changed nothing" means. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, rel);
    const st = lstatSync(p);
    out[rel] = `${st.mode}:${st.size}:${st.mtimeMs}:${st.isFile() ? readFileSync(p).toString('base64') : ''}`;
  }
  return out;
}

describe('openRoot: reading changes nothing (issue 14, A3 and C8)', () => {
  it('every reading call leaves an installed root byte for byte as it was', async () => {
    const dir = newRoot('read-only');
    {
      await using root = await openRoot(dir);
      await install(root, [S.hello!, S.lib!]);
    }
    const before = snapshot(dir);
    await using root = await openRoot(dir);
    expect((await root.packages.installed()).map((p) => p.name)).toEqual(['hello', 'libgreet']);
    expect(await root.packages.available()).toEqual([]);
    expect((await root.packages.info('hello', { files: true }))?.files?.length).toBeGreaterThan(0);
    expect((await root.packages.search('hel', { installed: true })).map((p) => p.name)).toEqual(['hello']);
    expect((await root.states.list()).map((s) => s.id)).toEqual([1]);
    expect((await root.states.active())?.id).toBe(1);
    expect((await root.states.verify()).issues).toEqual([]);
    expect((await root.repositories.list()).repositories).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reading a directory that is no root yet creates nothing in it', async () => {
    const dir = newRoot('read-empty');
    await using root = await openRoot(dir);
    expect(await root.packages.installed()).toEqual([]);
    expect(await root.states.list()).toEqual([]);
    expect(await root.states.active()).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    // A change afterwards opens for writing as usual, through the same Root.
    await install(root, [S.lib!]);
    expect((await root.packages.installed()).map((p) => p.name)).toEqual(['libgreet']);
  });
});

describe('openRoot: what a read loads', () => {
  it('lists packages and states without loading the store, the vfs, koffi or the triggers', async () => {
    const dir = newRoot('lazy');
    {
      await using root = await openRoot(dir);
      await install(root, [S.lib!]);
    }
    const end = await finished(spawnFixture('list-then-report-modules.ts', [dir]));
    expect(end.code).toBe(0);
    const { atOpen, all } = JSON.parse(end.stdout) as { atOpen: string[]; all: string[] };
    expect(all.some((u) => u.includes('better-sqlite3'))).toBe(true);
    expect(all.filter((u) => /packages\/(store|vfs|triggers)\/|\/koffi\//.test(u))).toEqual([]);
    // Importing the package and opening a root load neither SQLite nor the resolver nor the repositories.
    expect(
      atOpen.filter((u) => /better-sqlite3|kysely|packages\/(resolve|repository|stone)\//.test(u)),
    ).toEqual([]);
  });
});

describe('openRoot: bad input', () => {
  it('refuses a root that is not a directory', async () => {
    await expect(openRoot(join(work.dir, 'nope'))).rejects.toMatchObject({ code: 'TX_ROOT_INVALID' });
  });

  it('refuses calls after close', async () => {
    const root = await openRoot(newRoot('closed'));
    await root.close();
    await expect(root.states.list()).rejects.toMatchObject({ code: 'TX_ROOT_CLOSED' });
    rmSync(root.path, { recursive: true, force: true });
  });
});
