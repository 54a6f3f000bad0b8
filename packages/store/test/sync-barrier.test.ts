import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Limiter } from '@serpent/concurrency';
import { describe, expect, it } from 'vitest';
import { precacheStone } from '../src/precache.ts';
import { StoreState } from '../src/store-state.ts';
import { SyncBarrier } from '../src/sync-barrier.ts';
import { file, filesUnder, noise, stone, tempDir } from './helpers.ts';

/** A flush that stays open until release() is called, recording what was asked of it. */
function heldFlushes(onStart: () => Promise<void> | void = () => {}) {
  const pending: (() => void)[] = [];
  let started = 0;
  return {
    flush: async () => {
      started++;
      await onStart();
      await new Promise<void>((r) => pending.push(r));
    },
    releaseAll() {
      for (const r of pending.splice(0)) r();
    },
    get started() {
      return started;
    },
    get waiting() {
      return pending.length;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SyncBarrier', () => {
  it('makes callers that arrive during a flush share the next one, started after it', async () => {
    const f = heldFlushes();
    const b = new SyncBarrier(f.flush);
    const done: string[] = [];
    const first = b.wait().then(() => done.push('first'));
    await tick();
    const second = b.wait().then(() => done.push('second'));
    const third = b.wait().then(() => done.push('third'));
    await tick();
    expect(f.started).toBe(1);
    f.releaseAll();
    await first;
    await tick();
    // The flush running when they arrived may predate their writes: they wait for another.
    expect(done).toEqual(['first']);
    expect(f.started).toBe(2);
    f.releaseAll();
    await Promise.all([second, third]);
    expect(done).toEqual(['first', 'second', 'third']);
    expect(b.flushes).toBe(2);
  });

  it('passes a failed flush to its waiters and flushes again for the next caller', async () => {
    let fail = true;
    const b = new SyncBarrier(async () => {
      if (fail) throw new Error('EIO');
    });
    await expect(b.wait()).rejects.toThrow('EIO');
    fail = false;
    await expect(b.wait()).resolves.toBeUndefined();
  });
});

describe('precache with batched sync', () => {
  it('renames an asset only after a flush that began once it was written, and returns after a flush that began after the last rename', async () => {
    const dir = await tempDir();
    const assetsDir = join(dir, 'v2');
    const tmp = join(dir, 'tmp');
    await mkdir(assetsDir);
    await mkdir(tmp);
    const seen: { temps: number; assets: number }[] = [];
    const f = heldFlushes(async () => {
      seen.push({ temps: (await filesUnder(tmp)).length, assets: (await filesUnder(assetsDir)).length });
    });
    const state = new StoreState(assetsDir, tmp, true, new Limiter(4), f.flush);
    const entries = Array.from({ length: 12 }, (_, i) => file(`share/t/f${i}`, noise(3000 + i, i + 1)));
    const path = await stone(join(dir, 'a.stone'), 'a', entries);
    let finished = false;
    const run = precacheStone(state, path).then((r) => {
      finished = true;
      return r;
    });
    while (f.waiting === 0) await tick();
    // Written and closed under temporary names, none renamed while its flush is held.
    expect(seen[0]?.assets).toBe(0);
    expect((await filesUnder(tmp)).length).toBeGreaterThan(0);
    expect(await filesUnder(assetsDir)).toEqual([]);
    while (!finished) {
      f.releaseAll();
      await tick();
    }
    const result = await run;
    expect(result.assetsAdded).toBe(12);
    expect(await filesUnder(tmp)).toEqual([]);
    // The last flush began with every asset already under its name.
    expect(seen.at(-1)).toEqual({ temps: 0, assets: 12 });
  });
});
