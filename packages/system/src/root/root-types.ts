import type { BootStatus, SyncBootResult } from '@serpent/boot';
import type { Repository, RepositoryConfigProblem } from '@serpent/repository';
import type { Lock, SystemModel } from '@serpent/state-export';
import type { LayoutEntry } from '@serpent/stone';
import type { TransactionEvent } from '../transaction/transaction-event.js';

/**
 * Everything a Root reports, through the one `onEvent` callback of {@link OpenRootOptions}: the
 * engine's phases and progress, lock waits, recovery, repository refreshes and warnings. New
 * kinds of work add new members (and new phases to `TransactionPhase`); a renderer ignores
 * what it does not know.
 */
export type RootEvent =
  | TransactionEvent
  | { readonly type: 'repository-refreshing'; readonly repo: string; readonly uri: string }
  | {
      readonly type: 'repository-refreshed';
      readonly repo: string;
      readonly packages: number;
      readonly notModified: boolean;
      readonly ms: number;
    }
  | {
      readonly type: 'retry';
      readonly url: string;
      readonly attempt: number;
      readonly reason: string;
    };

export interface OpenRootOptions {
  /** Every event of every call on this Root. The library never prints. */
  readonly onEvent?: (event: RootEvent) => void;
  /** Wait for another process holding the root (default) or fail at once with SYSTEM_LOCKED. */
  readonly wait?: boolean;
  /** Recorded in the lock, so a second process can say who holds the root (`moss install nano`). */
  readonly command?: string;
  /**
   * The largest repository index a refresh (`repositories.add`, `refresh`, a plan with
   * `update`) accepts, in bytes; default 64 MiB. A larger one is refused with
   * `REPO_INDEX_TOO_LARGE` before its body is read when its size is announced, else as soon as
   * it passes the limit.
   */
  readonly maxIndexBytes?: number;
}

/** One package, as lists show it. */
export interface PackageSummary {
  /** The package id: the SHA-256 of its stone. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly release: number;
  readonly buildRelease: number;
  readonly summary: string;
  /** Installed packages: asked for by name (true) or pulled in as a dependency. */
  readonly explicit?: boolean;
  /** Available packages: the repository that offers it. */
  readonly repository?: string;
}

/** One file of an installed package (`info --files`). */
export interface PackageFile {
  /** Absolute, `/usr/...`. */
  readonly path: string;
  readonly type: LayoutEntry['type'];
  /** Regular files: the XXH3-128 of the content. */
  readonly hash?: string;
  /** Symlinks: what the link points to. */
  readonly target?: string;
}

/** What `info` shows of one package. */
export interface PackageDetails extends PackageSummary {
  readonly status: 'installed' | 'available';
  readonly homepage: string;
  readonly description: string;
  readonly licenses: readonly string[];
  /** `kind(name)` strings. */
  readonly dependencies: readonly string[];
  /** `kind(name)` strings, the implicit `name(<name>)` first. */
  readonly providers: readonly string[];
  /** Installed packages, when asked for. */
  readonly files?: readonly PackageFile[];
}

/** A configured repository and the state of its cached index. */
export interface RepositoryInfo extends Repository {
  readonly packages: number;
  /** When its index was last fetched; undefined when it never was. */
  readonly fetchedAt: Date | undefined;
  readonly indexSha256: string | undefined;
  /** The minisign ids of `keys` (as `minisign` shows them), in their order. */
  readonly keyIds: readonly string[];
  /** The trusted key whose signature the cached index carried (repositories with `keys`). */
  readonly signedBy: string | undefined;
  /** Its signing time, unix seconds. */
  readonly signedAt: number | undefined;
  /**
   * Whether the cached index is used: always without keys; with keys, only when one of them
   * verified it (an index cached before the keys, or signed by a dropped key, waits for a refresh).
   */
  readonly trusted: boolean;
}

export interface RepositoryList {
  /** Highest priority first. */
  readonly repositories: readonly RepositoryInfo[];
  /** Configuration files left out (unreadable, invalid), each with why. */
  readonly problems: readonly RepositoryConfigProblem[];
}

export interface NewRepository {
  readonly id: string;
  readonly uri: string;
  /** Higher wins when several offer a package (default 0). */
  readonly priority?: number;
  readonly description?: string;
  /**
   * Trusted minisign public keys (their `RW…` base64 lines, or whole `.pub` texts): the index
   * must then carry a valid signature by one of them. Two during a key rotation.
   */
  readonly keys?: readonly string[];
}

export interface RefreshResult {
  readonly repo: string;
  readonly packages: number;
  /** The server answered 304: the cached index is current. */
  readonly notModified: boolean;
}

/** A repository added and fetched. */
export interface AddedRepository extends RefreshResult {
  /** The minisign ids of the keys it trusts (none: its index need not be signed). */
  readonly keyIds: readonly string[];
}

/** What a Root is asked to change, turned into a {@link Plan} by `root.plan`. */
export interface PlanRequest {
  /**
   * Install: names (`nano`), providers (`binary(nano)`, `soname(libz.so.1(x86_64))`) or paths of
   * `.stone` files (an entry ending in `.stone`). A named stone replaces an installed release.
   */
  readonly add?: readonly string[];
  /** Remove these names, with what depends on them and the orphans they leave. */
  readonly remove?: readonly string[];
  /** Move every installed package to what the repositories offer. */
  readonly sync?: boolean | SyncRequest;
  /**
   * With `add` or `lock`: make `<to>/usr` from the packages instead of a new state (an image, a
   * container, a build root).
   */
  readonly to?: string;
  /**
   * With `add`: resolve against exactly these repositories instead of the configured ones
   * (boulder's build roots: the profile's repositories in boulder's moss dir). Nothing is
   * written to the configuration; each index is fetched when it never was, is no longer
   * verified by its keys, or `update` asks.
   */
  readonly repositories?: ExplicitRepositories;
  /** Make the system exactly a lock's packages (`moss sync --lock`), or with `to`, `<to>/usr`. */
  readonly lock?: LockRequest;
  /** Converge the system to a system model (`moss sync --model`). */
  readonly model?: ModelRequest;
}

export interface ExplicitRepositories {
  readonly list: readonly NewRepository[];
  /** Fetch every index first (conditional requests: an unchanged index costs one 304). */
  readonly update?: boolean;
  /**
   * Names the cache dirs, `.moss/repo/<xxh3_64("<client>-<uri>")>`, as the original: `moss`
   * (default) shares the configured repositories' caches, `boulder` is the original boulder's.
   */
  readonly client?: string;
}

export interface LockRequest {
  /** A parsed lock file (`parseLock` of `@serpent/state-export`). */
  readonly lock: Lock;
  /** How to name it in messages and the new state's summary (its file name). */
  readonly source?: string;
}

export interface ModelRequest {
  /** A parsed system model (`parseModel` of `@serpent/state-export`). */
  readonly model: SystemModel;
  readonly source?: string;
  /** Fetch every index the model resolves against first (otherwise only those never fetched). */
  readonly update?: boolean;
}

export interface SyncRequest {
  /** Refresh every active repository's index first. */
  readonly update?: boolean;
  /** Never move a package to an older release. */
  readonly upgradeOnly?: boolean;
}

/** A package a plan touches. */
export interface PlannedPackage extends PackageSummary {
  readonly source: 'installed' | 'local' | 'repository';
}

/** One package moving from one release to another. */
export interface PlannedChange {
  readonly name: string;
  /** `version-release` before and after. */
  readonly from: string;
  readonly to: string;
}

export interface PlannedRemoval {
  readonly package: PlannedPackage;
  /** `not-locked`: a lock does not hold it; `not-wanted`: a model neither wants nor needs it. */
  readonly reason: 'requested' | 'reverse-dependency' | 'orphan' | 'not-locked' | 'not-wanted';
  /** Why, in words: `depends on libgreet`, `only needed by hello`. */
  readonly because: string;
}

/**
 * What a commit would do, as plain data a tool can show and a script can read (JSON-safe). Every
 * list is there for every kind, empty where it does not apply, so one renderer shows any plan.
 */
/** An installed package whose explicit flag a lock or a model changes. */
export interface PlannedFlag {
  readonly name: string;
  /** The flag it gets. */
  readonly explicit: boolean;
}

/** A repository configuration change a model makes (after its transaction). */
export interface PlannedRepositoryChange {
  readonly id: string;
  /** `write`: `etc/moss/repo.d/<id>.yaml` (new or different); `disable`: configured, not in the model. */
  readonly action: 'write' | 'disable';
  readonly uri: string;
}

export interface Plan {
  readonly kind: 'install' | 'remove' | 'sync' | 'lock' | 'model';
  /** `install --to`: the directory whose `usr` the packages become. */
  readonly to?: string;
  /** Everything to fetch and store, dependencies first. */
  readonly install: readonly PlannedPackage[];
  readonly remove: readonly PlannedRemoval[];
  readonly upgrade: readonly PlannedChange[];
  readonly downgrade: readonly PlannedChange[];
  /** Same release, another build. */
  readonly rebuild: readonly PlannedChange[];
  /** A named `.stone` replacing the installed release of its name. */
  readonly replace: readonly PlannedChange[];
  readonly newDependencies: readonly PlannedPackage[];
  /** Requested but installed already. */
  readonly alreadyInstalled: readonly PlannedPackage[];
  /** Sync: installed, in no enabled repository, kept as they are. */
  readonly unavailable: readonly PlannedPackage[];
  /** Lock, model: installed packages that stay, with another explicit flag. */
  readonly reflag: readonly PlannedFlag[];
  /** Model: the repository configuration made to match it. */
  readonly configure: readonly PlannedRepositoryChange[];
  /** Nothing would change: `commit` returns at once. */
  readonly empty: boolean;
  /** The state active when the plan was made; `commit` refuses a plan made on another (TX_PLAN_STALE). */
  readonly baseStateId: number | null;
}

export interface CommitResult {
  /** The state now active (unchanged for an empty plan or `to`). */
  readonly stateId: number | null;
  readonly previousStateId: number | null;
  /**
   * `to`: the tree made, or `kept` when `<to>/usr` already was exactly these packages' tree,
   * untouched since an earlier `to` made it (nothing was fetched, stored or blitted).
   */
  readonly target?: { readonly usr: string; readonly entries: number; readonly kept: boolean };
}

/** A recorded state. */
export interface StateSummary {
  readonly id: number;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly created: Date;
  /** Packages selected. */
  readonly packages: number;
  readonly active: boolean;
  /**
   * Whether its `/usr` tree is on disk (the active state's always is): activating it is one
   * swap. An archived tree beyond `keep-trees` (etc/moss/states.yaml) may have been changed
   * into a later state's; activating such a state makes its tree again first.
   */
  readonly tree: boolean;
}

/** States `prune` or `remove` takes away, oldest first. */
export interface PrunePlan {
  readonly states: readonly StateSummary[];
}

export interface PruneResult {
  readonly states: readonly StateSummary[];
  readonly statesRemoved: number;
  /**
   * Archived trees of kept states beyond `keep-trees` (made again if their state is activated),
   * and a tree an interrupted transaction left.
   */
  readonly treesRemoved: number;
  readonly packagesRemoved: number;
  readonly assetsRemoved: number;
  readonly downloadsRemoved: number;
  /** Bytes given back to the filesystem: assets and downloads whose last link went. */
  readonly bytesFreed: number;
}

export interface StatesChangeOptions {
  /**
   * Called with what will be removed, before anything is; throw (e.g. `CANCELLED`) to stop.
   * The root stays locked from the plan to the end, so what is confirmed is what happens.
   */
  readonly confirm?: (plan: PrunePlan) => Promise<void> | void;
}

/** Where a damaged asset is used: the package and the path. */
export interface AssetUse {
  readonly package: string;
  readonly path: string;
}

export type VerifyIssue =
  | {
      readonly kind: 'missing-asset' | 'corrupt-asset';
      readonly hash: string;
      /** Every installed file with that content (a content may be shared). */
      readonly usedBy: readonly AssetUse[];
    }
  | {
      readonly kind: 'missing-path' | 'altered-path' | 'wrong-type';
      readonly state: number;
      readonly path: string;
      /** The package that ships the path. */
      readonly package: string;
    };

export interface VerifyReport {
  readonly assetsChecked: number;
  readonly pathsChecked: number;
  readonly issues: readonly VerifyIssue[];
}

export interface BootDirs {
  /** The ESP directory; required for a root other than `/` unless recorded before. */
  readonly bootDir?: string;
  readonly xbootldrDir?: string;
}

export interface BootSyncOptions extends BootDirs {
  /** Older states that get entries besides the active one (default 4). */
  readonly keep?: number;
}

/** `undefined` from `sync` when there was nothing to sync to. */
export type BootSyncResult = SyncBootResult | undefined;
export type { BootStatus };

export interface Repositories {
  list(): Promise<RepositoryList>;
  /**
   * Adds a repository and fetches its index. When that first fetch fails, the repository is
   * removed again, so nothing is left configured, and the error says so.
   */
  add(repo: NewRepository): Promise<AddedRepository>;
  remove(id: string): Promise<void>;
  enable(id: string): Promise<void>;
  disable(id: string): Promise<void>;
  /** Fetches the index of each named (default: every active) repository. */
  refresh(ids?: readonly string[]): Promise<readonly RefreshResult[]>;
  /**
   * Fetches the indexes of repositories that are not configured (boulder's profile, `plan`'s
   * `repositories`) into their cache dirs, as `boulder profile update`; `update` is implied.
   */
  refreshExplicit(explicit: ExplicitRepositories): Promise<readonly RefreshResult[]>;
}

export interface Packages {
  /** The active state's packages, by name. */
  installed(options?: { readonly explicitOnly?: boolean }): Promise<readonly PackageSummary[]>;
  /** The package install would pick for each name the enabled repositories offer, by name. */
  available(): Promise<readonly PackageSummary[]>;
  /**
   * The package a name or provider stands for: the installed one if any, else the one install
   * would pick (resolve's preference order). Undefined when nothing provides it.
   */
  byProvider(query: string): Promise<PackageSummary | undefined>;
  /** Details of `byProvider(query)`; `files` lists an installed package's files. */
  info(query: string, options?: { readonly files?: boolean }): Promise<PackageDetails | undefined>;
  /** Names or summaries containing `word` (any case), of the repositories or the installed packages. */
  search(word: string, options?: { readonly installed?: boolean }): Promise<readonly PackageSummary[]>;
}

export interface States {
  /** Newest first. */
  list(): Promise<readonly StateSummary[]>;
  active(): Promise<StateSummary | undefined>;
  /** Rollback: the archived tree is swapped in, nothing is re-blitted. */
  activate(
    id: number,
    options?: { readonly skipTriggers?: boolean },
  ): Promise<{ readonly stateId: number; readonly previousStateId: number | null }>;
  /** Removes these states (never the active one), then whatever only they used. */
  remove(ids: readonly number[], options?: StatesChangeOptions): Promise<PruneResult>;
  /**
   * Keeps the newest `keep` states (the active one counts), removes the rest as `remove` does.
   * With no state to remove it still reclaims what nothing references (the downloads, assets
   * and rows a failed install left), without asking: no state changes.
   */
  prune(options: { readonly keep: number } & StatesChangeOptions): Promise<PruneResult>;
  /** Re-hashes the store and checks every path of the live tree. */
  verify(): Promise<VerifyReport>;
  /** Fixes what `verify` found, then verifies again and returns that report. */
  repair(report: VerifyReport): Promise<VerifyReport>;
  /**
   * The lock of a state (default: the active one): its packages by SHA-256 with their explicit
   * flags and origins, and the repositories with the index SHA-256 it was resolved against.
   */
  exportLock(id?: number, options?: { readonly generator?: string }): Promise<Lock>;
  /** The model of the system: its repositories and the names of its explicit packages. */
  exportModel(): Promise<SystemModel>;
}

export interface Boot {
  /** Firmware, ESP, XBOOTLDR, the boot loader and every entry with what it boots. */
  status(dirs?: BootDirs): Promise<BootStatus>;
  /** Entries for the active state and recent older ones; given dirs are remembered for the root. */
  sync(options?: BootSyncOptions): Promise<BootSyncResult>;
}

/**
 * An opened system root: the one way into it for tools and library users. Each call takes the
 * root's lock for its duration (waiting for another process, reported as an event) and first
 * settles a transaction a crash interrupted. Close it (`close()` or `await using`) to release
 * its databases.
 */
export interface Root extends AsyncDisposable {
  /** The absolute path of the root. */
  readonly path: string;
  /** Resolves a change without making it. */
  plan(request: PlanRequest): Promise<Plan>;
  /** Makes a planned change: fetch, store, build, triggers, atomic swap, record. */
  commit(plan: Plan): Promise<CommitResult>;
  readonly repositories: Repositories;
  readonly packages: Packages;
  readonly states: States;
  readonly boot: Boot;
  close(): Promise<void>;
}
