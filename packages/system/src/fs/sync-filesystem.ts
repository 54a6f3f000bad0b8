import { spawnSync } from 'node:child_process';
import { openSyncfs } from '@serpent/durable';
import { TransactionError } from '../transaction-error.js';

/** A flush of one filesystem, opened before the writes it must make durable. */
export interface FilesystemSync {
  /**
   * Flushes the whole filesystem (syncfs(2)). Throws `TX_SYNC_FAILED` when the filesystem could
   * not write back something written since the handle was opened: the caller must then record
   * nothing, since the disk does not hold what a row or the swap would stand for.
   */
  flush(): Promise<void>;
  close(): void;
}

function syncFailed(path: string, cause: unknown): TransactionError {
  return new TransactionError(
    'TX_SYNC_FAILED',
    `the filesystem holding ${path} could not write back what this transaction wrote: ${(cause as Error).message}; nothing was recorded and the live /usr is unchanged`,
    {
      cause,
      hint: 'the disk reported a write error (a failing disk, or a thin volume or quota that ran out); check `dmesg`, free or fix the storage, then retry',
      details: { path },
    },
  );
}

/**
 * Opens a flush of the filesystem holding `path`: before the database rows that name new
 * assets (the store is opened without per-asset syncs) and before the swap. A staged /usr is
 * hundreds of thousands of new directory entries; one syncfs flushes them all, where an fsync
 * per directory would cost a call each. The descriptor is opened here, before the writes,
 * because syncfs reports the writeback errors met since its descriptor was opened (Linux ≥
 * 5.8), also those of pages the kernel wrote back on its own in between.
 *
 * An error is never swallowed: an earlier version fell back to `sync -f` and then a plain
 * `sync` whose status it ignored, so an EIO never stopped the rows or the swap. Only where
 * syncfs cannot be called at all (no koffi binary) does coreutils `sync -f` (which calls
 * syncfs itself) stand in, and its failure fails the transaction too.
 */
export function watchFilesystem(path: string): FilesystemSync {
  let handle: ReturnType<typeof openSyncfs>;
  try {
    handle = openSyncfs(path);
  } catch (cause) {
    throw syncFailed(path, cause);
  }
  return {
    async flush() {
      if (handle) {
        try {
          await handle.sync();
        } catch (cause) {
          throw syncFailed(path, cause);
        }
        return;
      }
      const r = spawnSync('sync', ['-f', path], { encoding: 'utf8' });
      if (r.error || r.status !== 0) {
        throw syncFailed(path, r.error ?? new Error(`sync -f exited with ${r.status}: ${r.stderr.trim()}`));
      }
    },
    close() {
      handle?.close();
    },
  };
}
