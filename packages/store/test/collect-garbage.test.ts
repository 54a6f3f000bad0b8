import { existsSync } from 'node:fs';
import { link, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xxh3_128 } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.ts';
import { file, filesUnder, noise, stone, tempDir } from './helpers.ts';

describe('collectGarbage', () => {
  it('removes unreferenced assets and emptied directories, reporting the space freed', async () => {
    const dir = await tempDir();
    const keep = noise(10_000, 1);
    const drop = noise(25_000, 2);
    const linked = noise(7_000, 3);
    const path = await stone(join(dir, 'a.stone'), 'a', [
      file('keep', keep),
      file('drop', drop),
      file('linked', linked),
    ]);
    const store = await openStore(join(dir, 'root'));
    await store.precache(path);
    const [dk, dd, dl] = await Promise.all([keep, drop, linked].map((c) => xxh3_128(c)));
    // An asset still hard-linked into some tree frees nothing when it leaves the store.
    await link(store.assetPath(dl as string), join(dir, 'state-tree-link'));
    const stray = join(store.assetsDir, 'zz');
    await writeFile(stray, 'stray');

    const dry = await store.collectGarbage([dk as string], { dryRun: true });
    expect(dry).toEqual({ removed: 3, bytesFreed: 25_000 + 5, kept: 1, dirsRemoved: 0 });
    expect(await filesUnder(store.assetsDir)).toHaveLength(4);

    const r = await store.collectGarbage([(dk as string).toUpperCase()]);
    expect(r).toEqual({ removed: 3, bytesFreed: 25_000 + 5, kept: 1, dirsRemoved: 6 });
    expect(await store.has(dk as string)).toBe(true);
    expect(await store.has(dd as string)).toBe(false);
    expect(existsSync(stray)).toBe(false);
    // Only the kept asset's three directories remain.
    expect(await readdir(store.assetsDir)).toEqual([(dk as string).slice(0, 2)]);

    // The store takes the dropped content again afterwards (its directories are re-created).
    expect(await store.precache(path)).toMatchObject({ assetsAdded: 2 });
    expect(await store.verify()).toMatchObject({ checked: 3, corrupt: [] });
  });

  it('refuses to run while a precache of the same store is running', async () => {
    const dir = await tempDir();
    const path = await stone(
      join(dir, 'a.stone'),
      'a',
      Array.from({ length: 20 }, (_, i) => file(`f${i}`, noise(200_000, i + 1))),
    );
    const store = await openStore(join(dir, 'root'));
    const running = store.precache(path);
    await expect(store.collectGarbage([])).rejects.toMatchObject({ code: 'STORE_BUSY' });
    await running;
    expect(await store.collectGarbage([])).toMatchObject({ removed: 20, kept: 0 });
    expect(await filesUnder(store.assetsDir)).toEqual([]);
  });
});
