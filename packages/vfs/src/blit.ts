import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type EmptyPool,
  OP_COPY,
  OP_DIR,
  OP_EMPTY,
  OP_LINK,
  OP_LINK_CHECKED,
  OP_SYMLINK,
  type OpBatch,
  type OpCounts,
  OpError,
  type OpFailure,
  runOps,
  type WorkerReply,
} from './blit-worker.js';
import { EMPTY_FILE_HASH } from './build-tree.js';
import { mossStore } from './moss-store.js';
import type { AssetSource, BlitOptions, BlitResult, VfsDirectory, VfsNode, VfsTree } from './types.js';
import { VfsError } from './vfs-error.js';

// What was measured (bench/vfs.bench.mjs: 306k entries from the real recipe file lists,
// ext4, 2 cores, November 2026, with other engineers' builds and benchmarks using the same
// cores; best of 3 rounds, each against `cp -al` of the same tree in the same run; three runs):
// - One thread: 0.97-1.09× cp -al. Worker threads with plain synchronous fs calls, asset
//   modes from the store: 2 workers 1.36-1.48× (51-53k entries/s), 4 workers 1.48-1.63×;
//   the two settings differ less than the runs do, so the default is one worker per core
//   (2-4). With a stat of each asset instead: 0.80× in one run, 1.68× in another.
// - koffi (FFI) `linkat`/`mkdirat`/`openat` with directory descriptors: links 12-36k/s
//   against 15-33k/s for fs.linkSync, mkdirat and openat slower than fs; within the noise,
//   so no native dependency (README).
// - The stat of each asset (to learn its mode) cost ≈ 20% on one thread (10.4 s against
//   8.5 s): pass AssetSource.assetMode when the store knows the modes.
// - Creating empty files ran at 1-3.5k/s against 15-33k/s for links: see blit-worker.ts.
// The blit is bound by the kernel's directory-entry work (journal, dentries), as `cp -al` is.

/**
 * Entries per batch. A batch is a run of whole subtrees (or of siblings of a big directory),
 * so a worker never needs a directory another worker has not made yet.
 */
const BATCH = 2048;
/**
 * Heap limits of a blit thread, which holds at most IN_FLIGHT batches: V8's defaults let each
 * one's heap grow with garbage (the path strings of every call) to well over 100 MB.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

/** Below this many entries the worker start-up (≈ 30 ms each) costs more than it saves. */
const INLINE_BELOW = 20_000;

/**
 * Writes `tree` into `targetDir`, which becomes the `/usr` of the new state: it must be
 * missing (it is created; its parent must exist) or an empty directory.
 *
 * Directories get their layout modes, symlinks their link text, regular files are hard links
 * to store assets, and empty files are links to a few empty files it makes (see
 * blit-worker.ts). The blit only ever creates entries (mkdir, link, symlink, open with O_EXCL) inside directories it created
 * itself and never places anything beneath a symlink, so it cannot follow a link out of the
 * target. It never changes the mode of a store asset: a file whose layout mode differs from
 * its asset's is copied instead (README: modes). uid/gid are ignored, as upstream.
 *
 * On failure the target is left half-written (the caller removes its staging tree).
 */
export async function blit(tree: VfsTree, targetDir: string, options: BlitOptions): Promise<BlitResult> {
  const started = performance.now();
  const root = resolvePath(targetDir);
  prepareTarget(root, tree.root.mode);
  const source: AssetSource = typeof options.store === 'string' ? mossStore(options.store) : options.store;

  const { spine, batches } = plan(tree, source);
  const total = tree.size;
  let done = 0;
  const onProgress = options.onProgress;
  const progress = (n: number) => {
    done += n;
    onProgress?.({ done, total });
  };
  const umask = currentUmask();
  const counts: OpCounts = { directories: 0, links: 0, symlinks: 0, emptyFiles: 0, copies: 0 };

  const workers = Math.max(
    0,
    Math.floor(
      options.workers ?? (total < INLINE_BELOW ? 0 : Math.min(4, Math.max(2, availableParallelism()))),
    ),
  );
  const pool: EmptyPool = new Map();
  run(root, spine, umask, counts, pool, progress);
  // At least this many batches follow the spine (more when subtrees do not fill them).
  const minBatches = Math.ceil((total - spine.ops.length) / BATCH);
  if (workers === 0 || minBatches === 0) {
    for (let b = batches.next(); !b.done; b = batches.next())
      run(root, b.value, umask, counts, pool, progress);
  } else {
    await runOnWorkers(root, batches, Math.min(workers, minBatches), umask, counts, progress);
  }
  onProgress?.({ done: total, total });
  return {
    directories: counts.directories,
    links: counts.links,
    symlinks: counts.symlinks,
    emptyFiles: counts.emptyFiles,
    copies: counts.copies,
    seconds: (performance.now() - started) / 1000,
  };
}

function prepareTarget(root: string, mode: number): void {
  let exists = true;
  try {
    const st = lstatSync(root);
    if (!st.isDirectory()) {
      throw new VfsError('VFS_TARGET_NOT_EMPTY', `${root} exists and is not a directory`, { path: root });
    }
    if (readdirSync(root).length > 0) {
      throw new VfsError('VFS_TARGET_NOT_EMPTY', `${root} is not empty`, { path: root });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof VfsError) throw err;
      throw ioError(err, root);
    }
    exists = false;
  }
  try {
    if (!exists) mkdirSync(root, mode);
    chmodSync(root, mode);
  } catch (err) {
    throw ioError(err, root);
  }
}

function currentUmask(): number {
  // process.umask() without an argument is deprecated (it races with threads setting it);
  // setting it and back is the documented way, and no worker of ours runs yet. In a worker
  // thread it cannot be read at all: assume the worst, so every mode is set by chmod.
  try {
    const m = process.umask(0o022);
    process.umask(m);
    return m;
  } catch {
    return 0o777;
  }
}

class BatchBuilder {
  ops: number[] = [];
  modes: number[] = [];
  paths: string[] = [];
  aux: string[] = [];
  constructor(private readonly source: AssetSource) {}

  get length(): number {
    return this.ops.length;
  }

  add(n: VfsNode): void {
    let op: number;
    let aux = '';
    if (n.kind === 'directory') op = OP_DIR;
    else if (n.kind === 'symlink') {
      op = OP_SYMLINK;
      aux = n.target;
    } else if (n.hash === EMPTY_FILE_HASH) op = OP_EMPTY;
    else {
      aux = this.source.assetPath(n.hash);
      const assetMode = this.source.assetMode?.(n.hash);
      op = assetMode === undefined ? OP_LINK_CHECKED : (assetMode & 0o7777) === n.mode ? OP_LINK : OP_COPY;
    }
    this.ops.push(op);
    this.modes.push(n.mode);
    this.paths.push(n.path);
    this.aux.push(aux);
  }

  addSubtree(n: VfsNode): void {
    this.add(n);
    if (n.kind === 'directory') for (const c of n.children) this.addSubtree(c);
  }

  take(): OpBatch {
    const b: OpBatch = {
      ops: Uint8Array.from(this.ops),
      modes: Uint16Array.from(this.modes),
      paths: this.paths,
      aux: this.aux,
    };
    this.ops = [];
    this.modes = [];
    this.paths = [];
    this.aux = [];
    return b;
  }
}

/**
 * Cuts the tree into the "spine" (directories too big for one batch, made first on the
 * calling thread) and batches of whole subtrees, each in pre-order. The batches are made as the
 * workers ask for them, so the whole plan is never in memory at once (all of it, sent up front,
 * cost ≈ 460 MB resident for a 357k-entry tree: the strings in this thread, copied again in
 * each worker).
 */
function plan(tree: VfsTree, source: AssetSource): { spine: OpBatch; batches: Iterator<OpBatch> } {
  const sizes = new Map<VfsDirectory, number>();
  const sizeOf = (d: VfsDirectory): number => {
    let s = 1;
    for (const c of d.children) s += c.kind === 'directory' ? sizeOf(c) : 1;
    sizes.set(d, s);
    return s;
  };
  sizeOf(tree.root);
  const isSpine = (c: VfsNode): boolean => c.kind === 'directory' && (sizes.get(c) as number) > BATCH;
  // A directory's subtree is at least as big as any of its subdirectories', so the spine is a
  // top of the tree: made in pre-order, every spine directory's parent exists before it.
  const spine = new BatchBuilder(source);
  const addSpine = (d: VfsDirectory): void => {
    for (const c of d.children) {
      if (isSpine(c)) {
        spine.add(c);
        addSpine(c as VfsDirectory);
      }
    }
  };
  addSpine(tree.root);
  function* batches(): Generator<OpBatch> {
    const cur = new BatchBuilder(source);
    const visit = function* (d: VfsDirectory): Generator<OpBatch> {
      for (const c of d.children) {
        if (isSpine(c)) {
          yield* visit(c as VfsDirectory);
          continue;
        }
        const s = c.kind === 'directory' ? (sizes.get(c) as number) : 1;
        if (cur.length + s > BATCH && cur.length > 0) yield cur.take();
        cur.addSubtree(c);
      }
    };
    yield* visit(tree.root);
    if (cur.length > 0) yield cur.take();
  }
  return { spine: spine.take(), batches: batches() };
}

function run(
  root: string,
  b: OpBatch,
  umask: number,
  counts: OpCounts,
  pool: EmptyPool,
  progress: (n: number) => void,
): void {
  try {
    runOps(root, b, umask, counts, pool, progress);
  } catch (err) {
    if (err instanceof OpError) throw failureError(root, err.failure);
    throw err;
  }
}

/** Batches each worker has queued at once: one running, one waiting, so none idles on a round trip. */
const IN_FLIGHT = 2;

function runOnWorkers(
  root: string,
  batches: Iterator<OpBatch>,
  n: number,
  umask: number,
  counts: OpCounts,
  progress: (n: number) => void,
): Promise<void> {
  // Each worker is handed the next batch as it finishes one, which also balances the workers.
  const url = new URL(
    import.meta.url.endsWith('.ts') ? './blit-worker.ts' : './blit-worker.js',
    import.meta.url,
  );
  const workers = Array.from(
    { length: n },
    () =>
      new Worker(url, { workerData: { serpentVfsBlit: true, root, umask }, resourceLimits: WORKER_LIMITS }),
  );
  const add = (c: OpCounts) => {
    counts.directories += c.directories;
    counts.links += c.links;
    counts.symlinks += c.symlinks;
    counts.emptyFiles += c.emptyFiles;
    counts.copies += c.copies;
  };
  return new Promise<void>((resolve, reject) => {
    let pending = n;
    let failed = false;
    let exhausted = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const ended = new Set<Worker>();
    const feed = (w: Worker) => {
      if (ended.has(w)) return;
      const next = exhausted ? undefined : batches.next();
      if (next === undefined || next.done) {
        exhausted = true;
        ended.add(w);
        w.postMessage({ end: true });
      } else {
        w.postMessage({ batch: next.value });
      }
    };
    for (const w of workers) {
      w.on('message', (m: WorkerReply) => {
        if (m.kind === 'progress') progress(m.n);
        else if (m.kind === 'batch-done') {
          if (!failed) feed(w);
        } else if (m.kind === 'failed') {
          add(m.counts);
          fail(failureError(root, m.failure));
        } else {
          add(m.counts);
          void w.terminate();
          if (--pending === 0 && !failed) resolve();
        }
      });
      // The thread itself died (out of memory past WORKER_LIMITS, a bug), not a system call.
      w.on('error', (err) =>
        fail(new VfsError('VFS_IO', `blit thread failed: ${err.message}`, { path: root }, err)),
      );
      for (let i = 0; i < IN_FLIGHT && !exhausted; i++) feed(w);
    }
  });
}

function failureError(root: string, f: OpFailure): VfsError {
  const path = `${root}/${f.path}`;
  const details = { path, asset: f.aux, code: f.code, syscall: f.syscall };
  if (f.code === 'ENOENT' && (f.syscall === 'link' || f.syscall === 'stat' || f.syscall === 'copyfile')) {
    return new VfsError('VFS_MISSING_ASSET', `no store asset ${f.aux} for ${path}`, details);
  }
  return new VfsError('VFS_IO', `blit of ${path} failed: ${f.message}`, details);
}

function ioError(err: unknown, path: string): VfsError {
  const e = err as NodeJS.ErrnoException;
  return new VfsError('VFS_IO', `${path}: ${e.message}`, { path, code: e.code, syscall: e.syscall }, err);
}
