import { Worker } from 'node:worker_threads';
import { ClaimTable } from './claim-table.js';
import { precacheStone } from './precache.js';
import type {
  FromPrecacheWorker,
  PrecacheWorkerInit,
  SerializedStoreError,
  ToPrecacheWorker,
} from './precache-worker.js';
import type { PrecacheManyOptions, PrecacheResult } from './store.js';
import { StoreError, type StoreErrorCode } from './store-error.js';
import type { StoreState } from './store-state.js';

/** Claim-table size per stone (≈ 180 unique contents per package in the real graph, ×2 headroom). */
const CLAIMS_PER_STONE = 512;
const MAX_CLAIMS = 1 << 21;
/**
 * Heap limits of a precache thread. Left to V8's defaults, each thread's heap grew lazily with
 * garbage: 600 stones (115k assets) peaked at 439-446 MB resident against 266 MB with these,
 * in 15.9 s against 17.7-17.8 s. What a thread keeps is its share of the known directories
 * (capped, see StoreState.ensureDir), of the written digests, and one stone's records at a
 * time: tens of MB for the 325k-asset benchmark.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 16 };

/**
 * precacheMany on `threads` worker threads, each unpacking up to `perThread` stones at once.
 * Why threads: into an empty store the main thread was the bottleneck (79% of CPU samples in
 * it; the kernel's file and directory creation is half of that and runs in the calling thread).
 * Stones go to the least busy thread as they finish, so one large package does not hold the
 * others back. Content two stones share is written once (ClaimTable); what a thread skipped for
 * another is checked at the end and, should it be absent, stored by the main thread.
 * The first failure stops every thread; it is thrown once all have stopped writing.
 */
export async function precacheOnThreads(
  state: StoreState,
  paths: readonly string[],
  opts: PrecacheManyOptions,
  threads: number,
  perThread: number,
  /** Tests only: a table with claims already in it, as if a thread had claimed those digests. */
  seeded?: ClaimTable,
): Promise<PrecacheResult[]> {
  const table = seeded ?? ClaimTable.create(Math.min(MAX_CLAIMS, paths.length * CLAIMS_PER_STONE));
  const init: PrecacheWorkerInit = {
    serpentStorePrecache: true,
    assetsDir: state.assetsDir,
    tempDir: state.tempDir,
    fsync: state.fsync,
    batchSync: state.barrier !== undefined,
    writeConcurrency: state.writeSlots.size,
    claims: table.buffer,
    progress: opts.onProgress !== undefined,
    index: opts.index ?? true,
    // Fresh only for the first precacheMany: the opening thread's `present` does not learn
    // what the threads wrote (results may carry no index), so afterwards it must probe.
    fresh: state.fresh,
    umask: state.umask,
  };
  state.fresh = false;
  const url = new URL('./precache-worker.js', import.meta.url);
  const results = new Array<PrecacheResult>(paths.length);
  const lost = new Map<string, number>();
  const workers = Array.from(
    { length: Math.min(threads, paths.length) },
    () => new Worker(url, { workerData: init, resourceLimits: WORKER_LIMITS }),
  );
  const busy = workers.map(() => 0);
  let next = 0;
  let inFlight = 0;
  // A StoreError from a thread, or whatever the caller's onResult threw.
  let failure: unknown;
  state.running++;
  try {
    await new Promise<void>((resolve) => {
      const send = (w: number) => {
        while (failure === undefined && next < paths.length && busy[w]! < perThread) {
          const id = next++;
          busy[w]!++;
          inFlight++;
          workers[w]!.postMessage({ t: 'stone', id, path: paths[id]! } satisfies ToPrecacheWorker);
        }
        if (inFlight === 0) resolve();
      };
      const fail = (err: unknown) => {
        if (failure === undefined) {
          failure = err;
          for (const w of workers) w.postMessage({ t: 'abort' } satisfies ToPrecacheWorker);
        }
      };
      const onAbort = () =>
        fail(new StoreError('STORE_ABORTED', 'precache cancelled', {}, opts.signal?.reason));
      if (opts.signal?.aborted) onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      workers.forEach((worker, w) => {
        worker.on('message', (m: FromPrecacheWorker) => {
          if (m.t === 'progress') {
            opts.onProgress?.(m.event);
            return;
          }
          for (const [d, size] of m.lost) lost.set(d, size);
          if (m.t === 'done') {
            if (opts.onResult !== undefined) {
              try {
                opts.onResult(m.id, m.result);
              } catch (err) {
                fail(err);
              }
              results[m.id] = { ...m.result, layout: [], index: [] };
            } else results[m.id] = m.result;
          } else {
            fail(revive(m.error));
          }
          busy[w]!--;
          inFlight--;
          send(w);
        });
        worker.on('error', (err) => {
          // The thread itself died (out of memory, a bug): its stones will never answer.
          const oom = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
          const why = oom
            ? `ran out of memory (its heap is capped at ${WORKER_LIMITS.maxOldGenerationSizeMb} MB)`
            : `failed: ${err.message}`;
          fail(new StoreError('STORE_IO', `precache thread ${why}`, { threadError: true }, err));
          inFlight -= busy[w]!;
          busy[w] = 0;
          if (inFlight === 0) resolve();
        });
      });
      for (let w = 0; w < workers.length; w++) send(w);
      if (paths.length === 0) resolve();
    });
  } finally {
    state.running--;
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure !== undefined) throw failure;
  const out = await storeLost(state, paths, results, lost, opts);
  for (const r of out) for (const e of r.index) state.present.add(e.digest);
  return out;
}

/**
 * Makes sure every content a thread skipped for another is present. It always is unless two
 * digests shared the table's 64-bit key; then the stones holding it (all of them when the
 * results carry no index) are precached again here, which skips what is present, and their
 * counts take what that wrote.
 */
async function storeLost(
  state: StoreState,
  paths: readonly string[],
  results: PrecacheResult[],
  lost: ReadonlyMap<string, number>,
  opts: PrecacheManyOptions,
): Promise<PrecacheResult[]> {
  const absent = new Set<string>();
  for (const [d, size] of lost) {
    // Not `present`: this thread's knowledge predates what the other threads did.
    state.present.delete(d);
    if (!state.probe(d, size)) absent.add(d);
  }
  if (absent.size === 0) return results;
  // Without the index (or with onResult, whose results keep none) every stone is precached again,
  // which skips what is present.
  const withIndex = (opts.index ?? true) && opts.onResult === undefined;
  const out = [...results];
  for (let i = 0; i < out.length; i++) {
    const r = out[i]!;
    if (withIndex && !r.index.some((e) => absent.has(e.digest))) continue;
    const again = await precacheStone(state, paths[i]!, opts.signal ? { signal: opts.signal } : {});
    out[i] = {
      ...r,
      assetsAdded: r.assetsAdded + again.assetsAdded,
      assetsSkipped: r.assetsSkipped - again.assetsAdded,
      bytesWritten: r.bytesWritten + again.bytesWritten,
    };
  }
  return out;
}

function revive(e: SerializedStoreError): StoreError {
  return new StoreError(e.code as StoreErrorCode, e.message, e.details);
}
