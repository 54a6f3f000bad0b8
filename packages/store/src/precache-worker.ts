// One thread of a threaded precacheMany (see precache-threads.ts): it opens the same store
// directories, takes stones from the main thread one message at a time, and answers with each
// stone's records or its error.
import { parentPort, workerData } from 'node:worker_threads';
import { Limiter } from '@serpent/concurrency';
import { ClaimTable } from './claim-table.js';
import { asStoreError, precacheStone } from './precache.js';
import type { PrecacheEvent, PrecacheResult } from './store.js';
import { StoreState } from './store-state.js';

export interface PrecacheWorkerInit {
  readonly serpentStorePrecache: true;
  readonly assetsDir: string;
  readonly tempDir: string;
  readonly fsync: boolean;
  readonly batchSync: boolean;
  readonly writeConcurrency: number;
  readonly claims: SharedArrayBuffer;
  /** Whether the caller listens to progress (each event is a message). */
  readonly progress: boolean;
  /** Whether results carry the stone's index (see PrecacheManyOptions.index). */
  readonly index: boolean;
  /** StoreState.fresh of the opening thread: every asset there is one written by this precache. */
  readonly fresh: boolean;
  /** The process umask (a worker cannot read it). */
  readonly umask: number | undefined;
}

export type ToPrecacheWorker =
  | { readonly t: 'stone'; readonly id: number; readonly path: string }
  | { readonly t: 'abort' };

export interface SerializedStoreError {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

export type FromPrecacheWorker =
  | { readonly t: 'progress'; readonly id: number; readonly event: PrecacheEvent }
  | {
      readonly t: 'done';
      readonly id: number;
      readonly result: PrecacheResult;
      readonly lost: [string, number][];
    }
  | {
      readonly t: 'failed';
      readonly id: number;
      readonly error: SerializedStoreError;
      readonly lost: [string, number][];
    };

const init = workerData as PrecacheWorkerInit | undefined;
if (parentPort !== null && init?.serpentStorePrecache === true) {
  const port = parentPort;
  const state = new StoreState(
    init.assetsDir,
    init.tempDir,
    init.fsync,
    new Limiter(init.writeConcurrency),
    init.batchSync,
  );
  const lost = new Map<string, number>();
  state.shared = { table: new ClaimTable(init.claims), lost };
  state.fresh = init.fresh;
  state.umask = init.umask;
  const stop = new AbortController();
  const drain = (): [string, number][] => {
    const out = [...lost];
    lost.clear();
    return out;
  };
  const run = async (id: number, path: string): Promise<void> => {
    try {
      const result = await precacheStone(state, path, {
        signal: stop.signal,
        ...(init.progress
          ? { onProgress: (event: PrecacheEvent) => port.postMessage({ t: 'progress', id, event }) }
          : {}),
      });
      const sent = init.index ? result : { ...result, index: [] };
      port.postMessage({ t: 'done', id, result: sent, lost: drain() } satisfies FromPrecacheWorker);
    } catch (err) {
      const e = asStoreError(err, path);
      const error = { code: e.code, message: e.message, details: { ...e.details } };
      port.postMessage({ t: 'failed', id, error, lost: drain() } satisfies FromPrecacheWorker);
    }
  };
  port.on('message', (m: ToPrecacheWorker) => {
    if (m.t === 'abort') stop.abort(new Error('another stone of the same precache failed'));
    else void run(m.id, m.path);
  });
}
