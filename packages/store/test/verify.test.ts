import { chmod, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMPTY_DIGEST, xxh3_128 } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.ts';
import { file, noise, stone, tempDir, text } from './helpers.ts';

async function setup() {
  const dir = await tempDir();
  const contents = [noise(20_000, 1), noise(30_000, 2), text('three'), new Uint8Array()];
  const path = await stone(
    join(dir, 'a.stone'),
    'a',
    contents.map((c, i) => file(`f${i}`, c)),
  );
  const store = await openStore(join(dir, 'root'));
  await store.precache(path);
  const digests = await Promise.all(contents.map((c) => xxh3_128(c)));
  return { dir, path, store, digests };
}

describe('verify', () => {
  it('finds nothing wrong in a freshly precached store', async () => {
    const { store, digests } = await setup();
    expect(await store.verify()).toEqual({ checked: 4, missing: [], corrupt: [], stray: [], removed: 0 });
    expect(await store.verify({ expected: digests })).toEqual({
      checked: 4,
      missing: [],
      corrupt: [],
      stray: [],
      removed: 0,
    });
  });

  it('re-hashes assets to find altered, truncated and missing ones, and stray files', async () => {
    const { store, digests } = await setup();
    const [d0, d1, d2] = digests as [string, string, string];
    const altered = store.assetPath(d0);
    await chmod(altered, 0o644);
    const bytes = await readFile(altered);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(altered, bytes);
    await chmod(store.assetPath(d1), 0o644);
    await truncate(store.assetPath(d1), 10);
    const absent = 'ffeeddccbbaa99887766554433221100';
    const stray = join(store.assetsDir, 'ff', 'not-an-asset');
    await mkdir(join(store.assetsDir, 'ff'), { recursive: true });
    await writeFile(stray, 'x');

    const full = await store.verify();
    expect(full).toEqual({ checked: 4, missing: [], corrupt: [d0, d1].sort(), stray: [stray], removed: 0 });
    const events: number[] = [];
    const some = await store.verify({
      expected: [d0, d2, absent, EMPTY_DIGEST],
      onProgress: (e) => events.push(e.checked),
    });
    expect(some).toEqual({ checked: 3, missing: [absent], corrupt: [d0], stray: [], removed: 0 });
    expect(events).toEqual([1, 2, 3, 4]);
  });

  it('repairs by deleting corrupt assets and strays, so a precache restores them', async () => {
    const { store, digests, path } = await setup();
    const [d0] = digests as [string];
    await chmod(store.assetPath(d0), 0o644);
    await writeFile(store.assetPath(d0), 'not the content');
    await writeFile(join(store.assetsDir, 'stray'), 'x');

    const repaired = await store.verify({ repair: true });
    expect(repaired).toMatchObject({ corrupt: [d0], removed: 2 });
    expect(await store.has(d0)).toBe(false);
    expect(await store.verify({ expected: digests })).toMatchObject({ missing: [d0], corrupt: [] });
    expect(await store.precache(path)).toMatchObject({ assetsAdded: 1, contentSkipped: false });
    expect(await store.verify()).toMatchObject({ corrupt: [], stray: [], missing: [] });
  });

  it('reports a malformed expected hash as STORE_BAD_HASH', async () => {
    const { store } = await setup();
    await expect(store.verify({ expected: ['nope'] })).rejects.toMatchObject({ code: 'STORE_BAD_HASH' });
  });
});
