import { spawnSync } from 'node:child_process';

/**
 * Flushes the whole filesystem holding `path` (syncfs(2), through coreutils `sync -f`) before
 * the swap. A staged /usr is hundreds of thousands of new directory entries; one syncfs flushes
 * them all in one journal commit, where an fsync per directory would cost a call each (the
 * asset contents themselves were fsynced when stored).
 */
export function syncFilesystem(path: string): void {
  const r = spawnSync('sync', ['-f', path], { stdio: 'ignore' });
  if (r.status !== 0) spawnSync('sync', [], { stdio: 'ignore' });
}
