// The blit's system-call loop, run on worker threads and (for small trees) on the caller's.
// Self-contained (node: imports only, erasable TypeScript) so Node can load this very file
// as a worker both from `dist/*.js` and, under vitest, from `src/*.ts`.
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  linkSync,
  mkdirSync,
  openSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** What to do for one entry. */
export const OP_DIR = 0;
/** Hard link from the asset; the asset's mode is known to be right. */
export const OP_LINK = 1;
/** Hard link from the asset after checking its mode with a stat (copy when it differs). */
export const OP_LINK_CHECKED = 2;
/** Copy of the asset (its mode differs from the layout's, which a link would share). */
export const OP_COPY = 3;
export const OP_EMPTY = 4;
export const OP_SYMLINK = 5;

/** A batch of entries in pre-order (a directory before anything inside it). */
export interface OpBatch {
  readonly ops: Uint8Array;
  readonly modes: Uint16Array;
  /** Paths relative to the target. */
  readonly paths: string[];
  /** Asset path (files) or link text (symlinks); '' for directories and empty files. */
  readonly aux: string[];
}

export interface OpCounts {
  directories: number;
  links: number;
  symlinks: number;
  emptyFiles: number;
  copies: number;
}

export interface OpFailure {
  readonly code: string;
  readonly syscall: string;
  readonly path: string;
  readonly aux: string;
  readonly message: string;
}

export class OpError extends Error {
  readonly failure: OpFailure;
  constructor(failure: OpFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

/**
 * Writes one batch below `root`. `umask` is the process umask (workers cannot read it):
 * a mode that survives it needs no chmod, which saves a system call for almost every entry.
 */
export function runOps(
  root: string,
  batch: OpBatch,
  umask: number,
  counts: OpCounts,
  pool: EmptyPool,
  progress?: (n: number) => void,
): void {
  const { ops, modes, paths, aux } = batch;
  const prefix = `${root}/`;
  const n = ops.length;
  let i = 0;
  const needsChmod = (mode: number) => (mode & ~0o777) !== 0 || (mode & umask) !== 0;
  try {
    for (; i < n; i++) {
      const dst = prefix + (paths[i] as string);
      const mode = modes[i] as number;
      switch (ops[i]) {
        case OP_DIR:
          mkdirSync(dst, mode);
          if (needsChmod(mode)) chmodSync(dst, mode);
          counts.directories++;
          break;
        case OP_LINK:
          link(aux[i] as string, dst, mode, counts);
          break;
        case OP_LINK_CHECKED: {
          const src = aux[i] as string;
          if ((statSync(src).mode & 0o7777) === mode) link(src, dst, mode, counts);
          else copy(src, dst, mode, counts);
          break;
        }
        case OP_COPY:
          copy(aux[i] as string, dst, mode, counts);
          break;
        case OP_EMPTY:
          empty(dst, mode, needsChmod(mode), pool);
          counts.emptyFiles++;
          break;
        case OP_SYMLINK:
          symlinkSync(aux[i] as string, dst);
          counts.symlinks++;
          break;
      }
      if (progress !== undefined && (i & 4095) === 4095) progress(4096);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OpError({
      code: e.code ?? 'EIO',
      syscall: e.syscall ?? '',
      path: paths[i] ?? '',
      aux: aux[i] ?? '',
      message: e.message,
    });
  }
  if (progress !== undefined && (n & 4095) !== 0) progress(n & 4095);
}

/** Per thread: mode → the path of the empty file new empty files of that mode link to. */
export type EmptyPool = Map<number, string>;

/**
 * Empty files are hard links to one empty file of the same mode made in this blit, and a new
 * one is made when the filesystem refuses another link (EMLINK: ext4 stops at 65,000, moss
 * issue #372). Measured on this machine (2 cores, ext4, 15,000 files, other jobs running):
 * open(O_CREAT|O_EXCL)+close made 1,000-3,500 files/s against 15,000-33,000 links/s, because a
 * new inode costs far more than a directory entry. Only empty files share such an inode, and
 * every regular file of /usr already shares its inode with the store.
 */
function empty(dst: string, mode: number, chmod: boolean, pool: EmptyPool): void {
  const head = pool.get(mode);
  if (head !== undefined) {
    try {
      linkSync(head, dst);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EMLINK') throw err;
    }
  }
  const fd = openSync(dst, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
  try {
    if (chmod) fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
  pool.set(mode, dst);
}

function link(src: string, dst: string, mode: number, counts: OpCounts): void {
  try {
    linkSync(src, dst);
    counts.links++;
  } catch (err) {
    // An asset shared by more than 65,000 entries (ext4) cannot take another link: copy it.
    if ((err as NodeJS.ErrnoException).code !== 'EMLINK') throw err;
    copy(src, dst, mode, counts);
  }
}

function copy(src: string, dst: string, mode: number, counts: OpCounts): void {
  // FICLONE shares the extents on btrfs/xfs (no data copied) and falls back to a copy elsewhere.
  copyFileSync(src, dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  chmodSync(dst, mode);
  counts.copies++;
}

/** Messages: main → worker `{ batch }` | `{ end: true }`; worker → main below. */
export type WorkerReply =
  | { readonly kind: 'progress'; readonly n: number }
  /** A batch is done: send the next one (or `end`). */
  | { readonly kind: 'batch-done' }
  | { readonly kind: 'done'; readonly counts: OpCounts }
  | { readonly kind: 'failed'; readonly failure: OpFailure; readonly counts: OpCounts };

if (!isMainThread && parentPort !== null && (workerData as { serpentVfsBlit?: boolean })?.serpentVfsBlit) {
  const port = parentPort;
  const { root, umask } = workerData as { root: string; umask: number };
  const counts: OpCounts = { directories: 0, links: 0, symlinks: 0, emptyFiles: 0, copies: 0 };
  const pool: EmptyPool = new Map();
  const report = (n: number) => port.postMessage({ kind: 'progress', n } satisfies WorkerReply);
  let failed = false;
  port.on('message', (msg: { batch?: OpBatch; end?: true }) => {
    if (failed) return;
    try {
      if (msg.batch !== undefined) {
        runOps(root, msg.batch, umask, counts, pool, report);
        port.postMessage({ kind: 'batch-done' } satisfies WorkerReply);
      }
      if (msg.end) port.postMessage({ kind: 'done', counts } satisfies WorkerReply);
    } catch (err) {
      failed = true;
      const failure =
        err instanceof OpError
          ? err.failure
          : { code: 'EIO', syscall: '', path: '', aux: '', message: String(err) };
      port.postMessage({ kind: 'failed', failure, counts } satisfies WorkerReply);
    }
  });
}
