import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { EMPTY_FILE_HASH } from './build-tree.js';
import { mossStore } from './moss-store.js';
import type { TreeChangePlan } from './plan-tree-change.js';
import type { AssetSource, BlitProgress, VfsFile, VfsNode, VfsSymlink } from './types.js';
import { VfsError } from './vfs-error.js';

export interface ApplyChangeOptions {
  /** Either a store directory in moss's `assets/v2` layout, or a custom source. */
  readonly store: string | AssetSource;
  /**
   * A directory on the tree's filesystem but outside it, for files being copied (a file whose
   * mode differs from its asset's): each is renamed into the tree once complete.
   */
  readonly tempDir: string;
  /** Called every 4,096 operations and at the end of each step (operations done across all steps). */
  readonly onProgress?: (p: ChangeProgress) => void;
}

/** Progress of an in-place change: the step under way, operations done of all. */
export interface ChangeProgress extends BlitProgress {
  readonly step: 'unlink' | 'rmdir' | 'mkdir' | 'create' | 'converge';
}

export interface ApplyChangeResult {
  readonly unlinked: number;
  /** Directories removed (relative to the tree), and those made. */
  readonly removedDirs: readonly string[];
  readonly madeDirs: readonly string[];
  readonly links: number;
  readonly symlinks: number;
  readonly emptyFiles: number;
  readonly copies: number;
  /** Children of dirty directories that did not match the new state and were replaced. */
  readonly converged: number;
  readonly seconds: number;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * Applies a plan of {@link planTreeChange} to the tree at `targetDir` (the old state's tree,
 * not a live one). Every step tolerates having been done already (a file already unlinked, a
 * directory already made, a link already in place is checked and kept), so after a crash the
 * same plan applied again finishes the change. Files are hard links to their store asset, or
 * copies when the layout's mode differs from the asset's (never a chmod of the shared asset),
 * as the blit makes them.
 */
export async function applyTreeChange(
  targetDir: string,
  plan: TreeChangePlan,
  options: ApplyChangeOptions,
): Promise<ApplyChangeResult> {
  const started = performance.now();
  const root = resolvePath(targetDir);
  const source: AssetSource = typeof options.store === 'string' ? mossStore(options.store) : options.store;
  const umask = currentUmask();
  const total =
    plan.unlink.length + plan.rmdir.length + plan.mkdir.length + plan.create.length + plan.converge.length;
  let done = 0;
  let current: ChangeProgress['step'] = 'unlink';
  const step = () => {
    if ((++done & 4095) === 0) options.onProgress?.({ step: current, done, total });
  };
  const stepDone = (next: ChangeProgress['step'] | undefined) => {
    options.onProgress?.({ step: current, done, total });
    if (next !== undefined) current = next;
  };
  const at = (p: string) => (p === '' ? root : `${root}/${p}`);
  const counts = { unlinked: 0, links: 0, symlinks: 0, emptyFiles: 0, copies: 0, converged: 0 };
  const removedDirs: string[] = [];
  const madeDirs: string[] = [];
  let temp = 0;

  const guard = <T>(path: string, what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof VfsError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new VfsError(
        'VFS_IO',
        `${what} ${at(path)} failed: ${e.message}`,
        { path: at(path), code: e.code, syscall: e.syscall },
        err,
      );
    }
  };

  // Whether a path is a real directory all the way down from the root, never a symlink: no
  // step may follow a link, since after a crash part-way (or where something replaced a
  // directory by a link) a path of the plan can lead through one into the rest of the tree.
  const realDirs = new Map<string, boolean>();
  const isRealDir = (p: string): boolean => {
    if (p === '') return true;
    const known = realDirs.get(p);
    if (known !== undefined) return known;
    const slash = p.lastIndexOf('/');
    const real =
      isRealDir(slash < 0 ? '' : p.slice(0, slash)) &&
      lstatSync(at(p), { throwIfNoEntry: false })?.isDirectory() === true;
    realDirs.set(p, real);
    return real;
  };
  const parentOf = (p: string) => {
    const slash = p.lastIndexOf('/');
    return slash < 0 ? '' : p.slice(0, slash);
  };

  const removeAny = (p: string) => {
    const st = lstatSync(at(p), { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory()) {
      rmSync(at(p), { recursive: true, force: true });
      removedDirs.push(p);
      realDirs.clear();
    } else unlinkSync(at(p));
  };

  const setMode = (p: string, mode: number) => {
    const st = lstatSync(at(p));
    if ((st.mode & 0o7777) !== mode) chmodSync(at(p), mode);
  };

  const makeDir = (p: string, mode: number) => {
    try {
      mkdirSync(at(p), mode);
      madeDirs.push(p);
      realDirs.set(p, true);
      if ((mode & ~0o777) !== 0 || (mode & umask) !== 0) chmodSync(at(p), mode);
      return;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    const st = lstatSync(at(p));
    if (!st.isDirectory()) {
      // A leaf where the new state has a directory: an old file or link this plan replaces.
      unlinkSync(at(p));
      makeDir(p, mode);
      return;
    }
    realDirs.set(p, true);
    if ((st.mode & 0o7777) !== mode) chmodSync(at(p), mode);
  };

  /** The asset of a file and whether its mode is the layout's (a link) or not (a copy). */
  const assetOf = (n: VfsFile) => {
    const asset = source.assetPath(n.hash);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(asset);
    } catch (err) {
      if (errno(err) === 'ENOENT') {
        throw new VfsError('VFS_MISSING_ASSET', `no store asset ${asset} for ${at(n.path)}`, {
          path: at(n.path),
          asset,
        });
      }
      throw err;
    }
    return { asset, ino: st.ino, linkable: (st.mode & 0o7777) === n.mode };
  };

  const copy = (asset: string, n: VfsFile) => {
    const tmp = `${options.tempDir}/.copy-${process.pid}-${++temp}`;
    copyFileSync(asset, tmp, constants.COPYFILE_FICLONE);
    chmodSync(tmp, n.mode);
    renameSync(tmp, at(n.path));
    counts.copies++;
  };

  /** True when the disk already has `n` at its path (a leaf made by an earlier, interrupted run). */
  const matches = (n: VfsNode): boolean => {
    const st = lstatSync(at(n.path), { throwIfNoEntry: false });
    if (st === undefined) return false;
    if (n.kind === 'directory') return st.isDirectory() && (st.mode & 0o7777) === n.mode;
    if (n.kind === 'symlink') return st.isSymbolicLink() && readlinkSync(at(n.path)) === n.target;
    if (!st.isFile() || (st.mode & 0o7777) !== n.mode) return false;
    if (n.hash === EMPTY_FILE_HASH) return st.size === 0;
    const a = assetOf(n);
    // A copy cannot be told from its asset without reading it: it is made again.
    return a.linkable && a.ino === st.ino;
  };

  const createLeaf = (n: VfsFile | VfsSymlink) => {
    const dst = at(n.path);
    try {
      if (n.kind === 'symlink') {
        symlinkSync(n.target, dst);
        counts.symlinks++;
      } else if (n.hash === EMPTY_FILE_HASH) {
        const fd = openSync(dst, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, n.mode);
        try {
          if ((n.mode & ~0o777) !== 0 || (n.mode & umask) !== 0) fchmodSync(fd, n.mode);
        } finally {
          closeSync(fd);
        }
        counts.emptyFiles++;
      } else {
        const a = assetOf(n);
        if (!a.linkable) {
          copy(a.asset, n);
          return;
        }
        try {
          linkSync(a.asset, dst);
          counts.links++;
        } catch (err) {
          // An asset past ext4's 65,000 links: a copy, as the blit does.
          if (errno(err) !== 'EMLINK') throw err;
          copy(a.asset, n);
        }
      }
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      if (matches(n)) return;
      removeAny(n.path);
      createLeaf(n);
    }
  };

  // What no state has (a trigger's cache, a stray file) goes first, so that the directories
  // it was in can be removed when the new state has no use for them.
  for (const { path, node } of plan.converge) {
    if (node !== undefined) continue;
    guard(path, 'removing', () => {
      if (!isRealDir(parentOf(path))) return;
      if (lstatSync(at(path), { throwIfNoEntry: false }) === undefined) return;
      removeAny(path);
      counts.converged++;
    });
    step();
  }
  for (const p of plan.unlink) {
    guard(p, 'removing', () => {
      // A parent that is no longer a directory was replaced already (an interrupted run).
      if (!isRealDir(parentOf(p))) return;
      try {
        unlinkSync(at(p));
        counts.unlinked++;
      } catch (err) {
        const code = errno(err);
        // Gone already, or the directory the new state has there (made by an interrupted run).
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'EPERM') return;
        throw err;
      }
    });
    step();
  }
  stepDone('rmdir');
  for (const d of plan.rmdir) {
    guard(d.path, 'removing directory', () => {
      // Gone, or replaced by what the new state has there, by an interrupted run.
      if (!isRealDir(d.path)) return;
      try {
        rmdirSync(at(d.path));
        removedDirs.push(d.path);
        realDirs.set(d.path, false);
      } catch (err) {
        const code = errno(err);
        if (code === 'ENOENT') return;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // Kept packages still have files in it: it stays, as a directory nobody ships.
        setMode(d.path, d.mode);
      }
    });
    step();
  }
  stepDone('mkdir');
  for (const d of plan.mkdir) {
    guard(d.path, 'making directory', () => makeDir(d.path, d.mode));
    step();
  }
  stepDone('create');
  for (const n of plan.create) {
    guard(n.path, 'creating', () => {
      if (!isRealDir(parentOf(n.path))) {
        throw new VfsError('VFS_IO', `${at(parentOf(n.path))} is not a directory`, { path: at(n.path) });
      }
      createLeaf(n);
      realDirs.set(n.path, false);
    });
    step();
  }
  stepDone('converge');
  for (const { path, node } of plan.converge) {
    if (node === undefined) continue; // removed with the unlinks
    guard(path, 'restoring', () => {
      if (!isRealDir(parentOf(path))) return;
      if (matches(node)) return;
      counts.converged++;
      if (node.kind === 'directory') {
        const st = lstatSync(at(path), { throwIfNoEntry: false });
        if (st !== undefined && !st.isDirectory()) unlinkSync(at(path));
        makeDir(path, node.mode);
        return;
      }
      removeAny(path);
      createLeaf(node);
      realDirs.set(path, false);
    });
    step();
  }
  stepDone(undefined);
  return {
    ...counts,
    removedDirs,
    madeDirs,
    seconds: (performance.now() - started) / 1000,
  };
}

function currentUmask(): number {
  // As in the blit: read by setting and restoring it; in a worker thread assume the worst.
  try {
    const m = process.umask(0o022);
    process.umask(m);
    return m;
  } catch {
    return 0o777;
  }
}
