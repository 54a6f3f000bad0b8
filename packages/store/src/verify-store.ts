import { lstat, unlink } from 'node:fs/promises';
import { mapLimit } from '@serpent/concurrency';
import { digestFromAssetName, normalizeDigest } from './asset-path.js';
import { cleanTempDir } from './clean-temp.js';
import { FileHasher } from './hash-file.js';
import type { VerifyOptions, VerifyResult } from './store.js';
import { StoreError } from './store-error.js';
import type { StoreState } from './store-state.js';
import { walkAssets } from './walk-assets.js';

type Check = { digest: string; path: string } | { stray: string };

/** Re-hashes assets against their names. See Store.verify. */
export async function verifyStore(state: StoreState, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const checks: Check[] = [];
  const missing: string[] = [];
  if (opts.expected !== undefined) {
    for (const digest of new Set([...opts.expected].map(normalizeDigest))) {
      checks.push({ digest, path: state.assetPath(digest) });
    }
  } else {
    for await (const e of walkAssets(state.assetsDir)) {
      const digest = e.isFile ? digestFromAssetName(e.relative) : undefined;
      checks.push(digest === undefined ? { stray: e.path } : { digest, path: e.path });
    }
  }
  const hasher = new FileHasher();
  const corrupt: string[] = [];
  const stray: string[] = [];
  const toRemove: string[] = [];
  let checked = 0;
  let done = 0;
  const total = checks.length;
  await mapLimit(checks, opts.concurrency ?? 4, async (c) => {
    if (opts.signal?.aborted) {
      throw new StoreError(
        'STORE_ABORTED',
        'verify cancelled',
        { store: state.assetsDir },
        opts.signal.reason,
      );
    }
    if ('stray' in c) {
      stray.push(c.stray);
      toRemove.push(c.stray);
    } else {
      const st = await lstat(c.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (st === undefined) missing.push(c.digest);
      else if (!st.isFile()) {
        // A directory or link where an asset should be: it can never be linked into a tree.
        corrupt.push(c.digest);
        toRemove.push(c.path);
      } else {
        checked++;
        if ((await hasher.hash(c.path)) !== c.digest) {
          corrupt.push(c.digest);
          toRemove.push(c.path);
        }
      }
    }
    opts.onProgress?.({ checked: ++done, total });
  }).catch((err: unknown) => {
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'STORE_IO',
      `verifying ${state.assetsDir}: ${(err as Error).message}`,
      {
        store: state.assetsDir,
      },
      err,
    );
  });

  let removed = 0;
  if (opts.repair) {
    for (const path of toRemove) {
      try {
        await unlink(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // EISDIR/EPERM: a directory squatting an asset name; leave it to a person.
        if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'EPERM') throw err;
        continue;
      }
      removed++;
    }
    for (const d of corrupt) state.forget(d);
    await cleanTempDir(state.tempDir);
  }
  const sort = (a: string[]) => a.sort();
  return { checked, missing: sort(missing), corrupt: sort(corrupt), stray: sort(stray), removed };
}
