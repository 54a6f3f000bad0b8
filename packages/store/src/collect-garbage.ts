import { lstat, rmdir, unlink } from 'node:fs/promises';
import { digestFromAssetName, normalizeDigest } from './asset-path.js';
import { cleanTempDir } from './clean-temp.js';
import type { CollectGarbageOptions, CollectGarbageResult } from './store.js';
import { StoreError } from './store-error.js';
import type { StoreState } from './store-state.js';
import { walkAssets } from './walk-assets.js';

/** Removes every asset not in `referenced`, then the directories that emptied. */
export async function collectGarbage(
  state: StoreState,
  referenced: Iterable<string>,
  opts: CollectGarbageOptions = {},
): Promise<CollectGarbageResult> {
  if (state.running > 0) {
    throw new StoreError(
      'STORE_BUSY',
      `${state.running} precache(s) of ${state.assetsDir} are running; their new assets are not referenced yet`,
      { store: state.assetsDir, running: state.running },
    );
  }
  const keep = new Set<string>();
  for (const h of referenced) keep.add(normalizeDigest(h));
  const dryRun = opts.dryRun ?? false;
  let removed = 0;
  let bytesFreed = 0;
  let kept = 0;
  let dirsRemoved = 0;
  const onDir = dryRun
    ? undefined
    : async (dir: string) => {
        try {
          await rmdir(dir);
          dirsRemoved++;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        }
      };
  try {
    for await (const e of walkAssets(state.assetsDir, onDir)) {
      if (opts.signal?.aborted) {
        throw new StoreError(
          'STORE_ABORTED',
          'garbage collection cancelled',
          { store: state.assetsDir },
          opts.signal.reason,
        );
      }
      const digest = e.isFile ? digestFromAssetName(e.relative) : undefined;
      if (digest !== undefined && keep.has(digest)) {
        kept++;
        continue;
      }
      const st = await lstat(e.path);
      // A file still hard-linked elsewhere (a state tree) frees no space when unlinked here.
      if (st.nlink <= 1) bytesFreed += st.size;
      if (!dryRun) {
        await unlink(e.path);
        if (digest !== undefined) state.forget(digest);
      }
      removed++;
    }
    if (!dryRun) {
      state.forgetDirs();
      await cleanTempDir(state.tempDir);
    }
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'STORE_IO',
      `collecting garbage in ${state.assetsDir}: ${(err as Error).message}`,
      {
        store: state.assetsDir,
      },
      err,
    );
  }
  return { removed, bytesFreed, kept, dirsRemoved };
}
