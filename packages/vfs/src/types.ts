import type { LayoutEntry } from '@serpent/stone';

/** One layout entry of one package: the input of {@link buildTree}. */
export interface VfsInput {
  /** Owner of the entry (the package id in moss); named in conflict errors. */
  readonly pkg: string;
  /** The stone layout record; `target` is relative to `/usr` (`bin/nano`). */
  readonly entry: LayoutEntry;
}

/** How {@link buildTree} is fed. */
export interface BuildTreeOptions {
  /**
   * The inputs yield every directory and symlink before the first regular file (moss reads
   * them from its database in that order). Files are then placed as they arrive instead of
   * being held until the end, so a streamed input is never in memory whole. A directory or
   * symlink after a file throws VFS_INPUT_ORDER.
   */
  readonly filesLast?: boolean;
  /**
   * Default true. False accepts a symlink loop nothing is placed through (one that entries
   * are placed through still throws): planTreeChange's first look at a state's directories
   * and symlinks, whose loops the tree it builds next reports in a full build's order.
   */
  readonly checkLoops?: boolean;
}

interface NodeBase {
  /** Canonical path relative to the tree root (`/usr`): `lib/libc.so.6`; `''` for the root. */
  readonly path: string;
  /** Last path component (`''` for the root). */
  readonly name: string;
  /** Package that shipped the entry; `''` for an implicit directory. */
  readonly pkg: string;
  /** Permission bits only (`mode & 0o7777`). */
  readonly mode: number;
}

export interface VfsDirectory extends NodeBase {
  readonly kind: 'directory';
  /** True when no package shipped the directory itself (a parent made up for its children). */
  readonly implicit: boolean;
  /** Children in byte-wise name order. */
  readonly children: readonly VfsNode[];
}

export interface VfsFile extends NodeBase {
  readonly kind: 'regular';
  /** XXH3-128 of the content, as in the layout (32 lowercase hex digits). */
  readonly hash: string;
}

export interface VfsSymlink extends NodeBase {
  readonly kind: 'symlink';
  /** The link text, written verbatim. */
  readonly target: string;
}

export type VfsNode = VfsDirectory | VfsFile | VfsSymlink;

/** A symlinked directory whose shipped children were moved to the directory it points at. */
export interface VfsRedirect {
  /** The symlink (`lib64`). */
  readonly link: string;
  /** Where its children went (`lib`). */
  readonly target: string;
}

/** The conflict-free tree of a whole `/usr`, ready to blit. Immutable. */
export interface VfsTree {
  /** The `/usr` directory itself. */
  readonly root: VfsDirectory;
  /** Entries in the tree, the root excluded. */
  readonly size: number;
  readonly counts: { readonly directories: number; readonly files: number; readonly symlinks: number };
  readonly redirects: readonly VfsRedirect[];
  /** The node at a canonical path relative to `/usr` (`''` is the root). */
  get(path: string): VfsNode | undefined;
  /** Pre-order walk (a directory before its children, siblings by name), root excluded. */
  walk(): IterableIterator<VfsNode>;
}

/** Where the blit finds the content of a regular file. */
export interface AssetSource {
  /** Absolute path of the asset holding the content with this hash. */
  assetPath(hash: string): string;
  /**
   * Permission bits of the asset, if the store knows them without a stat. When absent the
   * blit `lstat`s each asset (see README: modes). A file whose layout mode differs from its
   * asset's mode is copied (reflink where the filesystem can), never linked and chmodded.
   */
  assetMode?(hash: string): number | undefined;
}

export interface BlitProgress {
  readonly done: number;
  readonly total: number;
}

export interface BlitOptions {
  /** Either a store directory in moss's `assets/v2` layout, or a custom source. */
  readonly store: string | AssetSource;
  /** Called now and then (at most every ~4,000 entries) and once at the end. */
  readonly onProgress?: (p: BlitProgress) => void;
  /**
   * Worker threads for the blit (0 = all on the calling thread). Default: chosen from the
   * tree size and `os.availableParallelism()`; see blit.ts for the measurements.
   */
  readonly workers?: number;
}

export interface BlitResult {
  readonly directories: number;
  readonly links: number;
  readonly symlinks: number;
  /** Empty files (never taken from the store: links to an empty file made by the blit). */
  readonly emptyFiles: number;
  /** Files copied because their layout mode differs from the shared asset's mode. */
  readonly copies: number;
  readonly seconds: number;
}
