import type { IndexEntry, LayoutEntry, PackageMeta } from '@serpent/stone';

/** Typed progress of a precache; the tools render it (bar on a TTY, NDJSON with --json). */
export type PrecacheEvent =
  /** The stone's records are read; `bytes` of content in `assets` unique files will be streamed. */
  | { readonly type: 'start'; readonly stone: string; readonly assets: number; readonly bytes: number }
  /** Content bytes decoded and verified so far (at most once per 4 MiB, and once at the end). */
  | {
      readonly type: 'progress';
      readonly stone: string;
      readonly bytesDone: number;
      readonly bytes: number;
      readonly assetsDone: number;
      readonly assets: number;
    }
  /** The stone is fully in the store. */
  | { readonly type: 'done'; readonly stone: string; readonly result: PrecacheSummary };

export interface PrecacheOptions {
  readonly onProgress?: (event: PrecacheEvent) => void;
  /** Cancels between chunks; assets already renamed stay (each is complete and verified). */
  readonly signal?: AbortSignal;
}

export interface PrecacheManyOptions extends PrecacheOptions {
  /**
   * Stones unpacked at once by each thread; default 4 (measured: see Store.precacheMany's
   * implementation).
   */
  readonly concurrency?: number;
  /**
   * Worker threads unpacking stones; 0 unpacks them all on the calling thread. Default: 2 on a
   * machine with 2 or more cores when there are at least 8 stones, else 0.
   */
  readonly threads?: number;
  /**
   * Whether each result carries the stone's index (default true). A caller that only needs the
   * layouts passes false: the 325k index entries of a whole system are then never gathered.
   */
  readonly index?: boolean;
  /**
   * Called with each stone's result as soon as that stone is in the store (completion order,
   * `index` into `paths`). With it, the results returned at the end keep their meta and counts
   * but not their layout and index, which only this callback sees: a caller that writes each
   * layout away as it comes (moss writes the layout rows while the other stones unpack) then
   * never holds every layout of a whole system at once.
   */
  readonly onResult?: (index: number, result: PrecacheResult) => void;
}

export interface PrecacheSummary {
  /** Unique contents (index entries) of the stone. */
  readonly assets: number;
  /** Assets this call wrote into the store. */
  readonly assetsAdded: number;
  /** Assets already present (or written by a concurrent precache), so not written again. */
  readonly assetsSkipped: number;
  /** Bytes of the assets this call wrote. */
  readonly bytesWritten: number;
  /** Plain size of the stone's content payload. */
  readonly contentBytes: number;
  /** True when every asset was already present, so the content payload was not even decoded. */
  readonly contentSkipped: boolean;
}

/** What a precache returns: the records the databases need, and what happened in the store. */
export interface PrecacheResult extends PrecacheSummary {
  readonly stone: string;
  readonly meta: PackageMeta;
  readonly layout: LayoutEntry[];
  readonly index: IndexEntry[];
}

export interface VerifyOptions {
  /**
   * Digests that must be present (every regular layout row of every state). Each is checked
   * for presence and re-hashed. Without it, every asset in the store is re-hashed against its
   * name, and nothing can be reported missing.
   */
  readonly expected?: Iterable<string>;
  /** Delete corrupt assets and stray files, so the next precache of their stones restores them. */
  readonly repair?: boolean;
  /** Assets hashed at once; default 4. */
  readonly concurrency?: number;
  readonly onProgress?: (event: { readonly checked: number; readonly total: number }) => void;
  readonly signal?: AbortSignal;
}

export interface VerifyResult {
  /** Assets re-hashed. */
  readonly checked: number;
  /** Expected digests with no asset. */
  readonly missing: string[];
  /** Digests whose asset does not hash to its name (truncated, altered). */
  readonly corrupt: string[];
  /** Files in the store that are not assets (bad names, wrong directory, not regular files). */
  readonly stray: string[];
  /** With `repair`: corrupt assets and stray files deleted. */
  readonly removed: number;
}

export interface CollectGarbageOptions {
  /** Report what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface CollectGarbageResult {
  /** Assets (and stray files) removed, or that would be with `dryRun`. */
  readonly removed: number;
  /**
   * Bytes released on disk: sizes of removed files that had no other hard link. An asset still
   * linked into a state tree frees nothing until that tree goes, so it is not counted.
   */
  readonly bytesFreed: number;
  /** Assets kept because they are referenced. */
  readonly kept: number;
  /** Directories that became empty and were removed. */
  readonly dirsRemoved: number;
}

/**
 * The content-addressed asset store under `<root>/.moss/assets/v2`, laid out exactly as moss
 * lays it out, so either tool can use a store the other wrote.
 *
 * Asset files have the permission bits (never set-id or sticky) of the first layout entry that
 * stored them. The store never changes an asset's mode afterwards; the blit decides per layout
 * entry whether the asset's mode is good enough to hard-link or a copy is needed.
 */
export interface Store {
  /** The installation root given to `openStore`. */
  readonly root: string;
  /** `<root>/.moss/assets/v2`. */
  readonly assetsDir: string;
  /** `<root>/.moss/assets/tmp`: temporary names of assets being written. */
  readonly tempDir: string;
  /** Absolute path of the asset for a digest (32 hex digits, or moss's unpadded form). */
  assetPath(hash: string): string;
  /** True when an asset for the digest exists as a regular file. */
  has(hash: string): Promise<boolean>;
  /** Streams a stone's content into the store, each asset verified, fsynced and renamed. */
  precache(stonePath: string, opts?: PrecacheOptions): Promise<PrecacheResult>;
  /** Precaches several stones at once; results in the order of `paths`. Fails on the first error. */
  precacheMany(paths: readonly string[], opts?: PrecacheManyOptions): Promise<PrecacheResult[]>;
  /** Re-hashes assets to find missing and altered ones (`moss state verify [--repair]`). */
  verify(opts?: VerifyOptions): Promise<VerifyResult>;
  /** Removes every asset whose digest is not in `referenced` (`moss state prune`). */
  collectGarbage(referenced: Iterable<string>, opts?: CollectGarbageOptions): Promise<CollectGarbageResult>;
  /** Deletes temporary files left by processes that died mid-write; returns how many. */
  cleanTemp(): Promise<number>;
}
