/** What a lock file says a format version 1 lock is. */
export const LOCK_FORMAT = 'moss-lock';
export const LOCK_VERSION = 1;

/** A repository the locked packages came from. */
export interface LockRepository {
  readonly name: string;
  /** The index URI (`https://…/stone.index`, `file:///…/stone.index`). */
  readonly uri: string;
  readonly priority: number;
  /** SHA-256 of the stone.index the packages were resolved from. */
  readonly indexSha256: string;
}

/** One selected package: the hash is its identity, the rest says what it is to people. */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  readonly release: number;
  readonly buildRelease: number;
  /** SHA-256 of the .stone: moss's package id. */
  readonly hash: string;
  /** Asked for (true) or there as a dependency (false). */
  readonly explicit: boolean;
  /** The repository (a `repositories` name) whose index offered it. */
  readonly repository?: string | undefined;
  /** Its PackageURI in that index, relative to the index URI. */
  readonly uri?: string | undefined;
  /** Size of the .stone in bytes. */
  readonly size?: number | undefined;
}

/** A lock file: exactly which packages a state holds (what you got). */
export interface Lock {
  readonly format: typeof LOCK_FORMAT;
  readonly version: typeof LOCK_VERSION;
  /** The tool that wrote it (`moss 0.1.0`), for people. */
  readonly generator?: string | undefined;
  /** The state it was exported from, for people. */
  readonly state?:
    | {
        readonly id: number;
        readonly created?: string | undefined;
        readonly summary?: string | null | undefined;
      }
    | undefined;
  /** Highest priority first. */
  readonly repositories: readonly LockRepository[];
  /** Ordered by name. */
  readonly packages: readonly LockedPackage[];
}
