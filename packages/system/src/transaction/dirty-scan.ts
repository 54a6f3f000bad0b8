// Which directories of a tree were written to after it was sealed, on the calling thread or on
// a worker thread (dirty-scan-worker.ts) while the caller plans the change.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  claimShared,
  type DirtyDirectory,
  type DirtyScanJob,
  dirtyDirectories,
  type IndexedDirectory,
  listNames,
  scanChunks,
} from './dirty-scan-worker.js';

export { type DirtyDirectory, dirtyDirectories } from './dirty-scan-worker.js';

import { LEDGER_FILE } from './tree-ledger.js';

/** Below this many directories a thread costs more to start (≈ 30 ms) than the scan. */
const THREAD_FROM = 5000;

const workerUrl = () =>
  new URL(
    import.meta.url.endsWith('.ts') ? './dirty-scan-worker.ts' : './dirty-scan-worker.js',
    import.meta.url,
  );

/** A thread started ahead, idle until a scan is posted to it; undefined once used or gone. */
let warm: { worker: Worker; exited: boolean } | undefined;

/**
 * Starts the scanning thread ahead of the scan: a thread takes ≈ 60 ms to start (Node's own
 * bootstrap, measured in a transaction's profile on 2 cores), which then overlaps the
 * resolution and the lock instead of being waited for while planning. Idempotent; the thread
 * does not keep the process alive and ends itself when no scan comes within 30 s.
 */
export function warmDirtyScanner(): void {
  if (warm !== undefined && !warm.exited) return;
  const worker = new Worker(workerUrl(), { workerData: { serpentDirtyScan: true } });
  const w = { worker, exited: false };
  worker.unref();
  worker.once('exit', () => {
    w.exited = true;
  });
  // An error of an idle thread is reported by the scan that uses it, or by none.
  worker.on('error', () => {});
  warm = w;
}

/** A scan under way: its result, and a way for the calling thread to take part in it. */
export interface DirtyScan {
  readonly result: Promise<DirtyDirectory[]>;
  /**
   * Scans, on the calling thread, what the worker has not claimed yet; returns when none is
   * left. Called once the caller's own work is done, so that both cores scan the rest.
   */
  help(): void;
}

/**
 * dirtyDirectories on a worker thread (the one warmDirtyScanner started, or a new one), so
 * that the caller's own work (reading the layout database, building the partial trees)
 * overlaps it, and then on both: the scan of a 357k-entry tree is 29k lstats, 0.1-0.15 s,
 * which on 2 cores was the longest step of planning a one-package change. The two threads
 * claim chunks of the list off one counter in shared memory; the findings are merged in the
 * list's order, so the result is exactly dirtyDirectories'.
 */
export function scanDirtyDirectories(usr: string, dirs: readonly string[], sealedMs: number): DirtyScan {
  if (dirs.length < THREAD_FROM) {
    const dirty = dirtyDirectories(usr, dirs, sealedMs);
    return { result: Promise.resolve(dirty), help: () => {} };
  }
  const counter = new SharedArrayBuffer(4);
  const job: DirtyScanJob = { usr, dirs, sealedMs, counter };
  const ready = warm !== undefined && !warm.exited ? warm.worker : undefined;
  warm = undefined;
  const w = ready ?? new Worker(workerUrl(), { workerData: { serpentDirtyScan: true, job } });
  if (ready !== undefined) ready.ref();
  const mine: IndexedDirectory[] = [];
  const theirs = new Promise<IndexedDirectory[]>((resolve, reject) => {
    const done = (fn: () => void) => {
      w.off('exit', onExit);
      void w.terminate();
      fn();
    };
    const onExit = (code: number) =>
      done(() => reject(new Error(`the directory scan's thread ended (code ${code}) before its answer`)));
    w.once('message', (m: { found?: IndexedDirectory[]; error?: string }) =>
      done(() => (m.found !== undefined ? resolve(m.found) : reject(new Error(m.error)))),
    );
    w.once('error', (err) => done(() => reject(err)));
    w.once('exit', onExit);
    if (ready !== undefined) ready.postMessage(job);
  });
  const result = theirs.then((found) => {
    const all = [...mine, ...found].sort((a, b) => a.index - b.index);
    return [{ path: '', names: listNames(usr, '') }, ...all.map((f) => f.dir)];
  });
  result.catch(() => {});
  return {
    result,
    help: () => scanChunks(usr, dirs, sealedMs, claimShared(new Int32Array(counter), dirs.length), mine),
  };
}

/** A ledger this large lists about 5,000 directories (≥ 16 bytes each): the scan goes to a thread. */
const LARGE_LEDGER_BYTES = 80_000;

/**
 * Starts the directory scan's thread ahead (warmDirtyScanner) when the root has an archived tree
 * large enough for the scan to use one: called as a change is planned and as it is committed,
 * before the lock, so the thread's start overlaps the resolution. A few stats; a guess only (a
 * thread started for nothing ends by itself), never a decision.
 */
export function warmForSpares(rootsDir: string): void {
  let names: string[];
  try {
    names = readdirSync(rootsDir);
  } catch {
    return;
  }
  for (const n of names) {
    const ledger = join(rootsDir, n, 'usr', LEDGER_FILE);
    const size = statSync(ledger, { throwIfNoEntry: false })?.size ?? 0;
    if (size >= LARGE_LEDGER_BYTES) {
      warmDirtyScanner();
      return;
    }
  }
}
