// Which directories of a tree were written to after it was sealed, on the calling thread or on
// a worker thread while the caller plans the change. Self-contained (node: imports only,
// erasable TypeScript) so Node can load this very file as a worker both from `dist/*.js` and,
// under vitest, from `src/*.ts`.
import { lstatSync, readdirSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

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

/** Below this many directories a thread costs more to start (≈ 30 ms) than the scan. */
const THREAD_FROM = 5000;

/**
 * dirtyDirectories on a worker thread, so that the caller's own work (reading the layout
 * database, building the partial trees) overlaps it: the scan of a 357k-entry tree is 29k
 * lstats, about a fifth of planning a one-package change on one core.
 */
export function scanDirtyDirectories(
  usr: string,
  dirs: readonly string[],
  sealedMs: number,
): Promise<DirtyDirectory[]> {
  if (dirs.length < THREAD_FROM) return Promise.resolve(dirtyDirectories(usr, dirs, sealedMs));
  const url = new URL(
    import.meta.url.endsWith('.ts') ? './dirty-scan.ts' : './dirty-scan.js',
    import.meta.url,
  );
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: { serpentDirtyScan: true, usr, dirs, sealedMs } });
    w.once('message', (m: { dirty?: DirtyDirectory[]; error?: string }) => {
      void w.terminate();
      if (m.dirty !== undefined) resolve(m.dirty);
      else reject(new Error(m.error));
    });
    w.once('error', reject);
  });
}

if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as { serpentDirtyScan?: boolean })?.serpentDirtyScan
) {
  const { usr, dirs, sealedMs } = workerData as { usr: string; dirs: string[]; sealedMs: number };
  try {
    parentPort.postMessage({ dirty: dirtyDirectories(usr, dirs, sealedMs) });
  } catch (err) {
    parentPort.postMessage({ error: (err as Error).message });
  }
}
