import { spawnSync } from 'node:child_process';
import { syncfsOf } from '@serpent/durable';

/**
 * Flushes the whole filesystem holding `path` (syncfs(2)): before the database rows that name
 * new assets (the store is opened without per-asset syncs) and before the swap. A staged /usr
 * is hundreds of thousands of new directory entries; one syncfs flushes them all, where an
 * fsync per directory would cost a call each. Where syncfs cannot be called, or fails,
 * coreutils `sync -f`, then a plain `sync`, as before.
 */
export async function syncFilesystem(path: string): Promise<void> {
  const syncfs = syncfsOf(path);
  if (syncfs) {
    try {
      await syncfs();
      return;
    } catch {}
  }
  const r = spawnSync('sync', ['-f', path], { stdio: 'ignore' });
  if (r.status !== 0) spawnSync('sync', [], { stdio: 'ignore' });
}
