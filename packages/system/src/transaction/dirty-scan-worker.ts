// Which directories of a tree were written to after it was sealed: the scan itself, run on the
// caller's thread or as a worker thread (dirty-scan.ts starts it). Self-contained (node:
// imports only, erasable TypeScript) so Node can load this very file as a worker both from
// `dist/*.js` and, under vitest, from `src/*.ts`; and a file of its own, not the module that
// starts it, so that the tools' bundles carry it as a worker entry of its own.
import { lstatSync, readdirSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** A directory written to since the seal, and the names now in it. */
export interface DirtyDirectory {
  readonly path: string;
  readonly names: readonly string[];
}

/** Names in `/usr` that belong to moss, not to any layout (see tree-ledger.ts). */
const TREE_FILES = new Set(['.stateID', '.moss-tree']);

/**
 * `/usr` itself (always: every ledger written into it changes it) and every directory of `dirs`
 * whose ctime is not older than the seal, with the names now in each. A ctime cannot be set by
 * anyone, so no tool can hide that it wrote there.
 */
export function dirtyDirectories(usr: string, dirs: readonly string[], sealedMs: number): DirtyDirectory[] {
  const found: IndexedDirectory[] = [];
  scanChunks(usr, dirs, sealedMs, claimAll(dirs.length), found);
  return [{ path: '', names: listNames(usr, '') }, ...found.map((f) => f.dir)];
}

/** A dirty directory with its index in the scanned list (to merge two threads' findings). */
export interface IndexedDirectory {
  readonly index: number;
  readonly dir: DirtyDirectory;
}

/** Chunks of a scan claimed off a shared counter, so two threads can share one list. */
export const CHUNK = 512;

/** The next chunk's start, or undefined when the list is done. */
export type Claim = () => number | undefined;

/** Claims from a counter in shared memory: whichever thread takes a chunk scans it alone. */
export function claimShared(counter: Int32Array, length: number): Claim {
  return () => {
    const start = Atomics.add(counter, 0, CHUNK);
    return start < length ? start : undefined;
  };
}

function claimAll(length: number): Claim {
  let next = 0;
  return () => {
    const start = next;
    next += CHUNK;
    return start < length ? start : undefined;
  };
}

export function listNames(usr: string, rel: string): string[] {
  return readdirSync(rel === '' ? usr : `${usr}/${rel}`).filter((n) => rel !== '' || !TREE_FILES.has(n));
}

/** Scans the chunks `claim` hands out, adding what it finds to `out`. */
export function scanChunks(
  usr: string,
  dirs: readonly string[],
  sealedMs: number,
  claim: Claim,
  out: IndexedDirectory[],
): void {
  for (let start = claim(); start !== undefined; start = claim()) {
    const end = Math.min(dirs.length, start + CHUNK);
    for (let i = start; i < end; i++) {
      const d = dirs[i] as string;
      const st = lstatSync(`${usr}/${d}`, { throwIfNoEntry: false });
      // Gone or no longer a directory: its parent was written to, and is in the list.
      if (st === undefined || !st.isDirectory()) continue;
      if (st.ctimeMs >= sealedMs) out.push({ index: i, dir: { path: d, names: listNames(usr, d) } });
    }
  }
}

/** One scan, as the thread receives it (in its workerData, or later as a message). */
export interface DirtyScanJob {
  readonly usr: string;
  readonly dirs: readonly string[];
  readonly sealedMs: number;
  /** One Int32: the next index to claim, shared with the thread that started this one. */
  readonly counter: SharedArrayBuffer;
}

/** How long a thread started ahead waits for its scan before it ends itself. */
const IDLE_MS = 30_000;

if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as { serpentDirtyScan?: boolean })?.serpentDirtyScan
) {
  const port = parentPort;
  const run = (job: DirtyScanJob) => {
    try {
      const found: IndexedDirectory[] = [];
      const counter = new Int32Array(job.counter);
      scanChunks(job.usr, job.dirs, job.sealedMs, claimShared(counter, job.dirs.length), found);
      port.postMessage({ found });
    } catch (err) {
      port.postMessage({ error: (err as Error).message });
    }
  };
  const job = (workerData as { job?: DirtyScanJob }).job;
  if (job !== undefined) run(job);
  else {
    // Started ahead (warmDirtyScanner): the job comes as the first message.
    const idle = setTimeout(() => process.exit(0), IDLE_MS);
    port.once('message', (m: DirtyScanJob) => {
      clearTimeout(idle);
      run(m);
    });
  }
}
