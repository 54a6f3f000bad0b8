import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';

type SyncfsFn = ((fd: number) => number) & {
  async(fd: number, cb: (err: unknown, res: number) => void): void;
};
let syncfsFn: SyncfsFn | null | undefined;

/**
 * syncfs(2) of the filesystem holding `dir`, on the libuv thread pool (koffi: Node has no
 * binding), or undefined where it cannot be called (no koffi binary for this platform, no
 * syncfs in the C library), so the caller can choose its fallback: the store syncs each asset
 * and directory itself, moss's engine runs coreutils `sync`.
 */
export function syncfsOf(dir: string): (() => Promise<void>) | undefined {
  if (syncfsFn === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const koffi = require('koffi') as typeof import('koffi');
      syncfsFn = koffi.load('libc.so.6').func('int syncfs(int)') as unknown as SyncfsFn;
    } catch {
      syncfsFn = null;
    }
  }
  const fn = syncfsFn;
  if (fn === null) return undefined;
  return () =>
    new Promise<void>((resolve, reject) => {
      let fd: number;
      try {
        fd = openSync(dir, 'r');
      } catch (err) {
        reject(err);
        return;
      }
      fn.async(fd, (err, res) => {
        closeSync(fd);
        if (err) reject(err);
        // syncfs reports writeback errors (EIO, ENOSPC) since Linux 5.8.
        else if (res !== 0)
          reject(Object.assign(new Error(`syncfs of ${dir} failed`), { code: 'EIO', path: dir }));
        else resolve();
      });
    });
}
