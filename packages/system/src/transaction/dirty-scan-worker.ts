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
  const out: DirtyDirectory[] = [];
  const list = (rel: string) =>
    readdirSync(rel === '' ? usr : `${usr}/${rel}`).filter((n) => rel !== '' || !TREE_FILES.has(n));
  out.push({ path: '', names: list('') });
  for (const d of dirs) {
    const st = lstatSync(`${usr}/${d}`, { throwIfNoEntry: false });
    // Gone or no longer a directory: its parent was written to, and is in the list.
    if (st === undefined || !st.isDirectory()) continue;
    if (st.ctimeMs >= sealedMs) out.push({ path: d, names: list(d) });
  }
  return out;
}

/** One scan, as the thread receives it (in its workerData, or later as a message). */
export interface DirtyScanJob {
  readonly usr: string;
  readonly dirs: readonly string[];
  readonly sealedMs: number;
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
      port.postMessage({ dirty: dirtyDirectories(job.usr, job.dirs, job.sealedMs) });
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
