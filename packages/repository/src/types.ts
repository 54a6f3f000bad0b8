import type { PackageMeta } from '@serpent/stone';
import type { MinisignSecretKey } from './minisign-key.js';
import type { SignIndexResult } from './sign-index.js';
import type { VerifiedSignature } from './verify-index.js';

/** One package of a repository index: its meta with the three index-only fields set. */
export type IndexedPackage = PackageMeta & {
  /** Location of the .stone relative to the index's URL (`b/bash-2-1-1-x86_64.stone`). */
  readonly packageUri: string;
  /** Lower-case hex SHA-256 of the whole .stone file; the package's identity and cache name. */
  readonly packageHash: string;
  /** Size of the .stone file in bytes. */
  readonly packageSize: number;
};

// ---------------------------------------------------------------------------------------------
// moss index

export type WriteIndexEvent =
  /** The directory walk found `files` stones. */
  | { readonly type: 'scanned'; readonly files: number }
  /** A stone was read and hashed (new, or its size or mtime changed). */
  | { readonly type: 'hashed'; readonly path: string; readonly bytes: number }
  /** A stone's size and mtime match the side-cache: its entry was reused without reading it. */
  | { readonly type: 'reused'; readonly path: string }
  /** An older release of a package was left out (the index holds one version per name). */
  | {
      readonly type: 'superseded';
      readonly path: string;
      readonly name: string;
      readonly release: number;
      readonly by: string;
    }
  /** The previous side-cache or index could not be read and was ignored (everything re-hashed). */
  | { readonly type: 'warning'; readonly path: string; readonly message: string }
  | { readonly type: 'written'; readonly path: string; readonly packages: number; readonly bytes: number };

export interface WriteIndexOptions {
  readonly onEvent?: (event: WriteIndexEvent) => void;
  /** Stones read and hashed at once; default 4 (I/O overlaps hashing even on 2 cores). */
  readonly concurrency?: number;
  /** zstd level of the index's Meta payloads; default 18, as the original writer. */
  readonly level?: number;
  /** Also sign the new index with this key (`stone.index.minisig`, see `signIndex`). */
  readonly sign?: MinisignSecretKey;
}

export interface WriteIndexResult {
  /** `<dir>/stone.index`. */
  readonly path: string;
  /** Every package of the new index, in index (name) order. */
  readonly packages: readonly IndexedPackage[];
  /** Names absent from the previous index. */
  readonly added: readonly IndexedPackage[];
  /** Names whose file, hash or size changed since the previous index. */
  readonly updated: readonly { readonly before: IndexedPackage; readonly after: IndexedPackage }[];
  /** Packages of the previous index whose name is gone. */
  readonly dropped: readonly IndexedPackage[];
  /** Packages identical to the previous index's entry. */
  readonly unchanged: number;
  /** Stones read and hashed in this run (the rest came from the side-cache). */
  readonly hashed: number;
  /** Stones whose entry was reused from the side-cache. */
  readonly reused: number;
  /** With `sign`: the signature written beside the index. */
  readonly signature?: SignIndexResult;
}

// ---------------------------------------------------------------------------------------------
// Repository configuration

/** Where a repository's configuration came from: `usr/share/moss` (vendor) or `etc/moss` (admin). */
export type RepositoryScope = 'vendor' | 'admin';

export interface Repository {
  /** Sanitised id (letters, digits, `-`; anything else became `_`). */
  readonly id: string;
  readonly description: string;
  /** URI of the stone.index: `file:///…/stone.index` or `https://…/stone.index`. */
  readonly uri: string;
  /** Higher is preferred. */
  readonly priority: number;
  readonly active: boolean;
  /**
   * Trusted minisign public keys (their base64 lines, `RW…`). With any, the index must carry a
   * valid signature by one of them (`fetchIndex`); several are trusted together during a key
   * rotation. Empty: the index is trusted as it arrives, as the original does.
   */
  readonly keys: readonly string[];
  /** The file that won the layering for this id. */
  readonly source: string;
  readonly scope: RepositoryScope;
}

export interface RepositoryConfigProblem {
  readonly file: string;
  readonly message: string;
}

export interface RepositoryConfig {
  /** Sorted by priority (highest first), then id (the original's order for equal priorities). */
  readonly repositories: readonly Repository[];
  /**
   * Files that could not be read or parsed, or entries with bad fields. The original skips
   * them silently; we skip them too (one bad vendor file must not stop `moss`) but say so.
   */
  readonly problems: readonly RepositoryConfigProblem[];
}

export interface AddRepositoryInput {
  readonly id: string;
  readonly uri: string;
  /** Default `"..."`, as the original. */
  readonly description?: string;
  /** Default 0. */
  readonly priority?: number;
  /** Default true. */
  readonly active?: boolean;
  /** Trusted minisign public keys: base64 lines or whole `.pub` file texts. Default none. */
  readonly keys?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Fetching

export type FetchIndexEvent =
  | {
      readonly type: 'retry';
      readonly url: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | {
      readonly type: 'progress';
      readonly url: string;
      readonly bytes: number;
      readonly total: number | undefined;
    };

export interface FetchIndexOptions {
  /** Retries after the first attempt on transient failures; default 3. */
  readonly retries?: number;
  /** No byte for this long fails the attempt; default 30 000 ms. */
  readonly idleTimeoutMs?: number;
  /** First retry delay, doubled each time (with ±25 % jitter); default 250 ms. */
  readonly retryDelayMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: FetchIndexEvent) => void;
  /**
   * The validators of the last fetch (from the repository's metadata record). When given and
   * `<repoDir>/stone.index` still parses, the request is conditional and a 304 answer reuses
   * the cached index (the original downloaded the whole index every time). With `sha256`, only
   * when the cached file is still the one those validators describe (the original moss, which
   * shares the cache, may have replaced it since).
   */
  readonly previous?: {
    readonly etag?: string | undefined;
    readonly lastModified?: string | undefined;
    readonly sha256?: string | undefined;
  };
  /**
   * The largest index accepted, in bytes; default {@link DEFAULT_MAX_INDEX_BYTES}. A larger one
   * is refused before its body is read when the server (or the file system) says its size, and
   * as soon as the limit is passed otherwise, with `REPO_INDEX_TOO_LARGE`.
   */
  readonly maxBytes?: number;
}

export interface FetchedIndex {
  /** `<repoDir>/stone.index`, replaced crash-safely and only after it parsed. */
  readonly path: string;
  /** The URL packages are resolved against (the repository's index URI). */
  readonly uri: string;
  readonly packages: readonly IndexedPackage[];
  readonly bytes: number;
  /** SHA-256 of the index file, for the repository metadata record. */
  readonly sha256: string;
  /** When the fetch completed. */
  readonly fetchedAt: Date;
  /** The server said the cached index is current (HTTP 304); nothing was downloaded. */
  readonly notModified: boolean;
  /** Validators for the next conditional fetch (http(s) only, when the server sent them). */
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** The verified signature, for a repository with trusted keys; undefined otherwise. */
  readonly signature: VerifiedSignature | undefined;
}

export interface PackageFetchItem {
  /** Package name, for messages. */
  readonly name: string;
  /** Repository id, for messages. */
  readonly repo: string;
  /** Absolute `file://` or `http(s)://` URL (see `packageUrl`). */
  readonly url: string;
  /** Expected lower-case hex SHA-256 from the index. */
  readonly sha256: string;
  /** Expected size in bytes from the index. */
  readonly size: number;
}

export type FetchPackagesEvent =
  | { readonly type: 'start'; readonly packagesTotal: number; readonly bytesTotal: number }
  | {
      readonly type: 'progress';
      readonly packagesDone: number;
      readonly packagesTotal: number;
      readonly bytesDone: number;
      readonly bytesTotal: number;
    }
  | {
      readonly type: 'package-done';
      readonly name: string;
      readonly repo: string;
      readonly path: string;
      /** A verified copy was already in the cache; nothing was downloaded. */
      readonly cached: boolean;
    }
  | {
      readonly type: 'retry';
      readonly name: string;
      readonly url: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  /** A file in the cache did not verify and was deleted; it is downloaded again. */
  | { readonly type: 'cache-corrupt'; readonly name: string; readonly path: string };

export interface FetchPackagesOptions {
  /** The cache root (`<root>/.moss/cache`); files go to `downloads/v1/<h[0..5]>/<h[-5..]>/<h>`. */
  readonly cacheDir: string;
  /** Downloads at once; default 8 (measured, see fetch-packages.ts). */
  readonly concurrency?: number;
  /** Retries after the first attempt on transient failures; default 3. */
  readonly retries?: number;
  /** First retry delay, doubled each time (with ±25 % jitter); default 250 ms. */
  readonly retryDelayMs?: number;
  /** No byte for this long fails the attempt; default 30 000 ms. */
  readonly idleTimeoutMs?: number;
  /**
   * Re-hash a cached copy before trusting it (default true). Files only reach their cache name
   * after verification, but the original moss shares this layout and never verified.
   */
  readonly verifyCached?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: FetchPackagesEvent) => void;
}

export interface FetchedPackage {
  readonly name: string;
  readonly repo: string;
  readonly sha256: string;
  /** The verified file in the download cache. */
  readonly path: string;
  readonly cached: boolean;
}
