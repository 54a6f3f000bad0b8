import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.ts';
import { file, filesUnder, noise, stone, tempDir } from './helpers.ts';

/** Mounts a tmpfs of `size` at `dir`; false when this machine does not let us (not root). */
function mountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

describe.skipIf(!canMount)('a full disk (needs root to mount a small tmpfs)', () => {
  it('fails the precache with STORE_IO naming the stone, leaving no partial asset or temp file', async () => {
    const dir = await tempDir();
    const small = noise(10_000, 1);
    const path = await stone(join(dir, 'a.stone'), 'a', [
      file('a/small', small),
      file('a/big', noise(3_000_000, 2)),
    ]);
    const root = join(dir, 'root');
    await mkdir(root);
    if (!mountTmpfs(root, '1m')) throw new Error('mount -t tmpfs failed although we are root');
    try {
      const store = await openStore(root);
      const err = await store.precache(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'STORE_IO', details: { stone: path, errno: 'ENOSPC' } });
      expect(await filesUnder(store.tempDir)).toEqual([]);
      // Only complete assets: the small one (verified before the big one failed), if any.
      expect((await store.verify()).corrupt).toEqual([]);
    } finally {
      spawnSync('umount', [root]);
    }
  });
});
