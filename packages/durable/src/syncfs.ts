import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';

type SyncfsFn = ((fd: number) => number) & {
  async(fd: number, cb: (err: unknown, res: number) => void): void;
};
let syncfsFn: SyncfsFn | null | undefined;

function loadSyncfs(): SyncfsFn | null {
  if (syncfsFn === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const koffi = require('koffi') as typeof import('koffi');
      syncfsFn = koffi.load('libc.so.6').func('int syncfs(int)') as unknown as SyncfsFn;
    } catch {
      syncfsFn = null;
    }
  }
  return syncfsFn;
}

/** A descriptor on a filesystem, to flush it with syncfs(2); see {@link openSyncfs}. */
export interface SyncfsHandle {
  /**
   * syncfs(2) on the libuv thread pool. Rejects (code `EIO`) when the filesystem failed to
   * write back anything since the handle was opened.
   */
  sync(): Promise<void>;
  close(): void;
}

/**
 * Opens a syncfs(2) handle on the filesystem holding `dir`, or undefined where syncfs cannot be
 * called (no koffi binary for this platform, no syncfs in the C library), so the caller can
 * choose its fallback. Open it *before* writing what it must make durable: since Linux 5.8
 * syncfs reports every writeback error (EIO, ENOSPC) the filesystem met after the descriptor
 * was opened, also those of pages the kernel wrote back on its own before the call; a
 * descriptor opened just before the call would miss those.
 */
export function openSyncfs(dir: string): SyncfsHandle | undefined {
  const fn = loadSyncfs();
  if (fn === null) return undefined;
  let fd: number | undefined = openSync(dir, 'r');
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        if (fd === undefined) {
          reject(new Error(`syncfs handle of ${dir} is closed`));
          return;
        }
        fn.async(fd, (err, res) => {
          if (err) reject(err);
          else if (res !== 0)
            reject(
              Object.assign(new Error(`syncfs of ${dir} failed: the filesystem could not write data back`), {
                code: 'EIO',
                path: dir,
              }),
            );
          else resolve();
        });
      }),
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * syncfs(2) of the filesystem holding `dir`, on the libuv thread pool (koffi: Node has no
 * binding), or undefined where it cannot be called, so the caller can choose its fallback: the
 * store syncs each asset and directory itself. Each call opens its own descriptor, so it
 * reports the writeback errors met from the call on; see {@link openSyncfs} for earlier ones.
 */
export function syncfsOf(dir: string): (() => Promise<void>) | undefined {
  if (loadSyncfs() === null) return undefined;
  return async () => {
    const handle = openSyncfs(dir)!;
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  };
}
