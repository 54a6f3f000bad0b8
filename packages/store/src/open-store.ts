import { lstat, mkdir, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Limiter, mapLimit } from '@serpent/concurrency';
import { normalizeDigest } from './asset-path.js';
import { cleanTempDir } from './clean-temp.js';
import { collectGarbage } from './collect-garbage.js';
import { asStoreError, precacheStone } from './precache.js';
import { precacheOnThreads } from './precache-threads.js';
import type { PrecacheManyOptions, PrecacheOptions, PrecacheResult, Store } from './store.js';
import { StoreError } from './store-error.js';
import { StoreState } from './store-state.js';
import { verifyStore } from './verify-store.js';

export interface OpenStoreOptions {
  /**
   * fdatasync each asset before its rename and fsync the directories after (default true).
   * Off is only for throw-away roots (tests, image builds that sync once at the end): a power
   * loss could then leave an empty or partial file under an asset's name.
   */
  readonly fsync?: boolean;
  /**
   * With fsync: replace the fdatasync of each asset and the fsync of each directory by a group
   * commit of syncfs(2) calls (see SyncBarrier), same guarantees; default true. It flushes the
   * whole filesystem, so a store sharing a disk with heavy unrelated writers may prefer false.
   * Ignored where syncfs cannot be called (the per-asset syncs are used).
   */
  readonly batchSync?: boolean;
  /** Assets being finished at once across all precaches of this store; default 16. */
  readonly writeConcurrency?: number;
  /**
   * Only to read and verify (default false): nothing is created or cleaned up, so opening works
   * on a full disk or a read-only filesystem. Writing into such a store fails.
   */
  readonly readOnly?: boolean;
}

/**
 * Opens (creating if needed) the asset store of the installation at `root`: `.moss/assets/v2`,
 * plus `.moss/assets/tmp` for assets being written. Temporary files left by writers that died
 * are deleted. Concurrent precaches share one Store object; moss's root lock keeps other
 * processes out, and a second process sharing the store is safe (its temp files are kept while
 * it lives) except during garbage collection.
 */
export async function openStore(root: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const assetsDir = join(root, '.moss', 'assets', 'v2');
  const tempDir = join(root, '.moss', 'assets', 'tmp');
  let empty: boolean;
  try {
    if (!opts.readOnly) {
      await mkdir(assetsDir, { recursive: true });
      await mkdir(tempDir, { recursive: true });
      await cleanTempDir(tempDir);
    }
    // A read-only store never writes, so whether it is empty does not matter.
    empty = !opts.readOnly && (await readdir(assetsDir)).length === 0;
  } catch (err) {
    throw new StoreError(
      'STORE_IO',
      `cannot open the asset store in ${root}: ${(err as Error).message}`,
      {
        root,
        path: (err as NodeJS.ErrnoException).path,
      },
      err,
    );
  }
  const state = new StoreState(
    assetsDir,
    tempDir,
    opts.fsync ?? true,
    new Limiter(opts.writeConcurrency ?? 16),
    opts.batchSync ?? true,
  );
  state.fresh = empty;
  state.umask = currentUmask();
  return new DiskStore(root, state);
}

/** The process umask, or undefined where it cannot be read (a worker thread). */
function currentUmask(): number | undefined {
  // Reading it means setting it and back (the argument-less form is deprecated).
  try {
    const m = process.umask(0o022);
    process.umask(m);
    return m;
  } catch {
    return undefined;
  }
}

/** Fewer stones than this are unpacked on the calling thread: a worker takes ≈ 30 ms to start. */
const THREADS_FROM = 8;
/**
 * Loaded from `src/` (tests importing the sources): a worker thread inherits the test runner's
 * resolution of our packages to their `.ts` sources, which Node cannot load, so the default
 * stays on the calling thread; the threaded path is tested through the built package.
 */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

class DiskStore implements Store {
  constructor(
    readonly root: string,
    private readonly state: StoreState,
  ) {}

  get assetsDir(): string {
    return this.state.assetsDir;
  }

  get tempDir(): string {
    return this.state.tempDir;
  }

  assetPath(hash: string): string {
    return this.state.assetPath(hash);
  }

  async has(hash: string): Promise<boolean> {
    const digest = normalizeDigest(hash);
    if (this.state.present.has(digest)) return true;
    try {
      return (await lstat(this.state.assetPath(digest))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw asStoreError(err, this.state.assetsDir);
    }
  }

  precache(stonePath: string, opts?: PrecacheOptions): Promise<PrecacheResult> {
    return precacheStone(this.state, stonePath, opts);
  }

  /**
   * Default concurrency 4 per thread: the zstd decoder (thread pool) and fdatasyncs of some
   * stones overlap the hashing and file calls of others. Four quarter-size stones of 320 MiB of
   * real files took 33.9 s one at a time, 23.3 s two and 20.6 s four at a time (2 cores,
   * bench/store.bench.mjs). Memory stays bounded: the write slots are shared by each thread.
   * Default 2 threads from 8 stones on: 300 generated stones (65k small assets) into an empty
   * store took 11.0-14.7 s (median 13.9) on the calling thread against 9.1-15.6 s (median 9.8)
   * on 2 threads, interleaved runs; the run-to-run spread here is the shared disk's.
   * The first failure cancels the stones not yet finished and is thrown once the others stop.
   */
  async precacheMany(paths: readonly string[], opts: PrecacheManyOptions = {}): Promise<PrecacheResult[]> {
    const threads =
      opts.threads ??
      (paths.length >= THREADS_FROM && !FROM_SOURCES ? Math.min(2, availableParallelism()) : 0);
    const perThread = opts.concurrency ?? 4;
    if (threads >= 1) return precacheOnThreads(this.state, paths, opts, threads, perThread);
    const stop = new AbortController();
    const signal = opts.signal === undefined ? stop.signal : AbortSignal.any([opts.signal, stop.signal]);
    const onResult = opts.onResult;
    return mapLimit(paths, perThread, async (path, i) => {
      try {
        const r = await precacheStone(this.state, path, { ...opts, signal });
        if (onResult !== undefined) {
          onResult(i, r);
          return { ...r, layout: [], index: [] };
        }
        return opts.index === false ? { ...r, index: [] } : r;
      } catch (err) {
        stop.abort(err);
        throw err;
      }
    });
  }

  verify(opts?: Parameters<Store['verify']>[0]) {
    return verifyStore(this.state, opts);
  }

  collectGarbage(referenced: Iterable<string>, opts?: Parameters<Store['collectGarbage']>[1]) {
    return collectGarbage(this.state, referenced, opts);
  }

  async cleanTemp(): Promise<number> {
    try {
      return await cleanTempDir(this.state.tempDir);
    } catch (err) {
      throw asStoreError(err, this.state.tempDir);
    }
  }
}
