import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import { parseLock, serializeLock } from '@serpent/state-export';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRoot } from '../src/root/open-root.js';
import { tempDir } from './helpers.js';
import { stone } from './stones.js';

// Locks and models through the Root against real temporary roots (the CLI and the HTTP
// repository cases are in e2e/test/moss-exported-states.test.ts).
const work = tempDir('serpent-exported-');
afterAll(() => work.remove());
const S: Record<string, string> = {};

beforeAll(async () => {
  const dir = join(work.dir, 'stones');
  mkdirSync(dir);
  S.lib = await stone(dir, 'libgreet', { 'lib/libgreet.so.1': 'greet v1\n' });
  S.hello = await stone(
    dir,
    'hello',
    { 'bin/hello': '#!/bin/sh\necho hello\n' },
    { depends: ['name(libgreet)'] },
  );
  S.extra = await stone(dir, 'extra', { 'share/extra': 'x\n' });
});

function newRoot(name: string): string {
  const dir = join(work.dir, name);
  mkdirSync(dir);
  return dir;
}

describe('Root: locks', () => {
  it('exports a lock, brings a changed system back to it from the store, and says when it already is', async () => {
    await using root = await openRoot(newRoot('lock'));
    await root.commit(await root.plan({ add: [S.hello!, S.lib!, S.extra!] }));
    const lock = await root.states.exportLock(undefined, { generator: 'test' });
    expect(lock.packages.map((p) => [p.name, p.explicit])).toEqual([
      ['extra', true],
      ['hello', true],
      ['libgreet', true],
    ]);
    // Local stones have no repository to come from.
    expect(lock.repositories).toEqual([]);
    expect(parseLock(serializeLock(lock))).toEqual(lock);

    await root.commit(await root.plan({ remove: ['extra'] }));
    const plan = await root.plan({ lock: { lock, source: 'test.lock' } });
    expect(plan.kind).toBe('lock');
    expect(plan.install.map((p) => p.name)).toEqual(['extra']);
    expect(plan.remove).toEqual([]);
    const r = await root.commit(plan);
    expect(r.stateId).toBe(3);
    expect((await root.states.exportLock()).packages).toEqual(lock.packages);
    expect((await root.plan({ lock: { lock } })).empty).toBe(true);

    // The lock of an earlier state, by id.
    expect((await root.states.exportLock(2)).packages.map((p) => p.name)).toEqual(['hello', 'libgreet']);
  });

  it('names every package no store, cache, repository or URL has, and changes nothing', async () => {
    await using a = await openRoot(newRoot('lock-source'));
    await a.commit(await a.plan({ add: [S.hello!, S.lib!] }));
    const lock = await a.states.exportLock();
    await using b = await openRoot(newRoot('lock-empty'));
    try {
      await b.plan({ lock: { lock, source: 'a.lock' } });
      throw new Error('planned');
    } catch (e) {
      expect(hasCode(e, 'LOCK_UNAVAILABLE')).toBe(true);
      expect((e as Error).message).toContain(
        '2 package(s) of a.lock can no longer be had; nothing was changed',
      );
      expect((e as Error).message).toMatch(/hello 1\.0-1 .*\n.*libgreet 1\.0-1/);
    }
    expect(await b.states.list()).toEqual([]);
  });

  it('makes a container root from a lock with `to`, recording no state', async () => {
    await using root = await openRoot(newRoot('lock-to'));
    await root.commit(await root.plan({ add: [S.hello!, S.lib!] }));
    const lock = await root.states.exportLock();
    const target = newRoot('lock-to-target');
    const plan = await root.plan({ lock: { lock }, to: target });
    expect(plan.install.map((p) => p.name)).toEqual(['libgreet', 'hello']);
    const r = await root.commit(plan);
    expect(r.target?.usr).toBe(join(target, 'usr'));
    expect(readFileSync(join(target, 'usr/bin/hello'), 'utf8')).toContain('echo hello');
    expect((await root.states.list()).length).toBe(1);
  });

  it('takes one change at a time', async () => {
    await using root = await openRoot(newRoot('lock-invalid'));
    const lock = {
      format: 'moss-lock',
      version: 1,
      repositories: [],
      packages: [],
    } as const;
    await expect(root.plan({ lock: { lock }, add: [S.extra!] })).rejects.toMatchObject({
      code: 'TX_PLAN_INVALID',
    });
    await expect(root.plan({ sync: true, to: work.dir })).rejects.toMatchObject({ code: 'TX_PLAN_INVALID' });
  });
});

describe('Root: models', () => {
  it('converges to a model (removes what it neither wants nor needs) and exports it', async () => {
    await using root = await openRoot(newRoot('model'));
    await root.commit(await root.plan({ add: [S.hello!, S.lib!, S.extra!] }));
    const model = await root.states.exportModel();
    expect(model.packages).toEqual(['extra', 'hello', 'libgreet']);
    expect(model.repositories).toEqual([]);
    const wanted = { version: 1 as const, repositories: undefined, packages: ['hello'] };
    const plan = await root.plan({ model: { model: wanted } });
    expect(plan.kind).toBe('model');
    expect(plan.remove.map((x) => [x.package.name, x.reason])).toEqual([['extra', 'not-wanted']]);
    // libgreet stays, as what hello needs rather than as something asked for.
    expect(plan.reflag).toEqual([{ name: 'libgreet', explicit: false }]);
    await root.commit(plan);
    expect((await root.packages.installed()).map((p) => [p.name, p.explicit])).toEqual([
      ['hello', true],
      ['libgreet', false],
    ]);
    expect((await root.plan({ model: { model: wanted } })).empty).toBe(true);
    const nothing = await root.plan({ model: { model: { ...wanted, packages: [] } } });
    expect(nothing.remove.map((x) => x.package.name).sort()).toEqual(['hello', 'libgreet']);
  });
});
