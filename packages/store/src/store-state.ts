import { lstatSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Limiter } from '@serpent/concurrency';
import { syncfsOf } from '@serpent/durable';
import { mossAssetRelativePath } from '@serpent/stone';
import { assetRelativePath, normalizeDigest } from './asset-path.js';
import type { ClaimTable } from './claim-table.js';
import { SyncBarrier } from './sync-barrier.js';

/** What the threads of one precacheMany share (see ClaimTable and precache-threads.ts). */
export interface SharedClaims {
  readonly table: ClaimTable;
  /** Digests (→ content size) this thread skipped because another thread claimed them; checked at the end. */
  readonly lost: Map<string, number>;
}

/**
 * What one opened store shares between its concurrent operations: which digests are known to
 * be present or being written, the directories known to exist, and the write slots.
 */
export class StoreState {
  /** Digests whose asset is known to be complete on disk (found, or written by us). */
  readonly present = new Set<string>();
  /**
   * Digests some precache of this store is writing: the promise says whether the asset ended up
   * stored (false when that stone's content turned out damaged, or its precache was cancelled).
   */
  readonly claims = new Map<string, Promise<boolean>>();
  /** Precaches running; garbage collection refuses to run alongside them. */
  running = 0;
  /** Set in a precacheMany worker thread: the claims shared with the other threads. */
  shared: SharedClaims | undefined;
  /**
   * With fsync on and syncfs(2) callable: the group commit that replaces the fdatasync of each
   * asset and the fsync of each directory (see SyncBarrier).
   */
  readonly barrier: SyncBarrier | undefined;
  /**
   * True while every asset in the store is known to `present`: the store was empty when opened
   * and only this state has written to it since. Presence is then answered without a lstat
   * (the 325k probes of a first install into an empty root were 5% of its precache, each a
   * four-level path walk ending in a negative dentry). Cleared by anything that writes or
   * removes behind `present`'s back (see precacheOnThreads).
   */
  fresh = false;
  /**
   * The process umask, for modes that survive it without a chmod. Undefined (workers cannot
   * read it unless told) means every asset is chmodded.
   */
  umask: number | undefined;
  /** First- and second-level asset directories (`ab`, `ab/cd`) known to exist; at most 65,792. */
  private readonly dirs = new Set<string>();
  private readonly tempPrefix: string;
  private seq = 0;

  constructor(
    readonly assetsDir: string,
    readonly tempDir: string,
    readonly fsync: boolean,
    /** Assets being finished (written, synced, renamed) at once, across every precache. */
    readonly writeSlots: Limiter,
    /**
     * Whether fsync may be batched through syncfs (OpenStoreOptions.batchSync); tests pass the
     * flush itself to watch the order of writes, flushes and renames.
     */
    batchSync: boolean | (() => Promise<void>) = true,
  ) {
    const flush =
      !fsync || batchSync === false ? undefined : batchSync === true ? syncfsOf(tempDir) : batchSync;
    this.barrier = flush ? new SyncBarrier(flush) : undefined;
    this.tempPrefix = `${tempDir}/${process.pid}.${threadId}-`;
  }

  assetPath(hash: string): string {
    return join(this.assetsDir, assetRelativePath(hash));
  }

  /**
   * assetPath for a digest already in canonical form (32 lower-case hex digits, as the stone
   * reader's hasher produces them): the rule alone, no validation or path normalisation.
   */
  canonicalAssetPath(digest: string): string {
    return `${this.assetsDir}/${mossAssetRelativePath(digest)}`;
  }

  /**
   * A fresh temporary name. `<pid>.` comes first so a later run can tell whether the writer is
   * still alive (see cleanTemp); the thread id keeps the threads of one process apart; the
   * digest is last, for whoever looks at a leftover.
   */
  tempPath(digest: string): string {
    return `${this.tempPrefix}${++this.seq}.${digest}`;
  }

  /**
   * True when the asset exists as a regular file of the expected size. The size check is free
   * (the stat is needed anyway) and catches the truncated assets that moss leaves under their
   * final name when interrupted (moss.md §4.9), so a shared store heals on the next precache.
   */
  probe(digest: string, size: number): boolean {
    if (this.present.has(digest)) return true;
    if (this.fresh) return false;
    // Synchronous and without an exception for a missing asset: into an empty store, the
    // promise form spent 12% of the main thread rejecting promises (an Error with its stack
    // per absent asset) and handing 65k lstats to the thread pool (perf, 300 stones).
    const st = lstatSync(this.assetPath(digest), { throwIfNoEntry: false });
    if (st?.isFile() && st.size === size) {
      this.present.add(digest);
      return true;
    }
    return false;
  }

  /**
   * Makes sure the directory of an asset path (`v2/ab/cd/ef/<name>`, or `v2/<name>` for a short
   * name) exists. The first two levels are remembered (65,792 at most); the leaf, new for
   * almost every asset (325k assets into 16.7M possible leaves), is one recursive `mkdir`,
   * which reports an existing directory without an exception. An strace of a 46,843-asset
   * install once counted 118,569 mkdir calls, 33,543 of them EEXIST (7.2 s of kernel time)
   * with leaf-first recursion; a cache of every directory cleared at 65,536 entries then
   * threw an EEXIST exception per asset for the rest of a 325k-asset install.
   */
  ensureAssetDir(assetPath: string): void {
    const leaf = assetPath.slice(0, assetPath.lastIndexOf('/'));
    if (leaf.length <= this.assetsDir.length) return;
    const second = leaf.slice(0, -3);
    if (!this.dirs.has(second)) {
      mkdirSync(second, { recursive: true });
      this.dirs.add(second);
    }
    mkdirSync(leaf, { recursive: true });
  }

  /** Forgets cached knowledge of a digest (after verify/GC removed its asset). */
  forget(digest: string): void {
    this.present.delete(normalizeDigest(digest));
  }

  /** Forgets every directory known to exist (GC removes empty ones), and that the store is fresh. */
  forgetDirs(): void {
    this.dirs.clear();
    this.fresh = false;
  }

  /**
   * The directories whose entries a rename into `assetPath` changes or may have created: the
   * asset's directory and each ancestor up to and including `assetsDir`. Syncing all of them
   * makes the asset's name durable whoever created the directories.
   */
  dirsToSync(assetPath: string): string[] {
    const out: string[] = [];
    let dir = dirname(assetPath);
    while (true) {
      out.push(dir);
      const rel = relative(this.assetsDir, dir);
      if (rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`)) break;
      dir = dirname(dir);
    }
    return out;
  }
}
