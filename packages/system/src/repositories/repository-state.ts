import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type FetchedIndex,
  fetchIndex,
  fetchPackages,
  INDEX_NAME,
  loadRepositories,
  packageUrl,
  type Repository,
  type RepositoryConfigProblem,
  RepositoryError,
  readIndex,
  repositoryCacheDir,
  trustedKeysOf,
} from '@serpent/repository';
import type { Candidate } from '@serpent/resolve';
import { type MetaDb, openMetaDb, type StoredPackage } from '../db/meta-db.js';
import type { StateRepository } from '../db/state-db.js';
import type { RefreshResult, RootEvent } from '../root/root-types.js';
import type { Installation } from '../transaction/installation.js';
import type { EventSink } from '../transaction/transaction-event.js';

/** A configured repository with what its cached index holds. */
export interface RepositoryStatus extends Repository {
  /** `<root>/.moss/repo/<h>`, the original's cache directory. */
  readonly cacheDir: string;
  readonly packages: number;
  /** When its index was last fetched; undefined when it never was (`moss repo update`). */
  readonly fetchedAt: Date | undefined;
  readonly indexSha256: string | undefined;
  /** The minisign ids of `keys` (as `minisign` shows them), in their order. */
  readonly keyIds: readonly string[];
  /** The trusted key whose signature the cached index carried, when it was verified. */
  readonly signedBy: string | undefined;
  /** The signing time (unix seconds) of the cached index, when it was verified. */
  readonly signedAt: number | undefined;
  /**
   * Whether the cached index may be used: always for a repository without keys; with keys, only
   * when it was verified by one of the keys configured now (an index cached before keys were
   * added, or verified by a key no longer trusted, is not used until `moss repo update`).
   */
  readonly trusted: boolean;
}

async function withRepoDb<T>(
  cacheDir: string,
  fn: (db: MetaDb) => T,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const db = await openMetaDb(join(cacheDir, 'db'), options);
  try {
    return fn(db);
  } finally {
    await db.close();
  }
}

/** What a repository's cache directory holds, read without changing it. */
interface CachedRepository {
  readonly packages: readonly StoredPackage[];
  readonly info: Readonly<Record<string, string>>;
  readonly fetchedAt: Date | undefined;
}

/**
 * Reads a repository's cache as it is, whoever wrote it. Our refresh records its facts
 * (`meta_info`: fetch time, index SHA-256, HTTP validators); the original moss writes only its
 * meta rows beside `stone.index`, so a root the original set up has packages but no facts: its
 * rows are used as they are (read-only: its DB is not migrated), dated by the index file. A DB
 * that is missing or empty beside an index that parses (a refresh interrupted after the
 * original wiped its DB) is read from the index itself, with no network fetch.
 */
async function readRepositoryCache(cacheDir: string): Promise<CachedRepository> {
  const dbPath = join(cacheDir, 'db');
  const indexPath = join(cacheDir, INDEX_NAME);
  let packages: readonly StoredPackage[] = [];
  let info: Record<string, string> = {};
  if (existsSync(dbPath)) {
    ({ info, packages } = await withRepoDb(
      cacheDir,
      (db) => ({ info: db.info(), packages: db.listPackages() }),
      {
        readOnly: true,
      },
    ));
  }
  if (info.fetchedAt !== undefined) return { packages, info, fetchedAt: new Date(info.fetchedAt) };
  if (packages.length === 0 && existsSync(indexPath)) {
    try {
      packages = (await readIndex(indexPath)).map((p) => ({ id: p.packageHash, meta: p }));
    } catch {
      // An unreadable cached index is as good as none: the repository needs `moss repo update`.
      return { packages: [], info, fetchedAt: undefined };
    }
  }
  if (packages.length === 0) return { packages, info, fetchedAt: undefined };
  return { packages, info, fetchedAt: mtimeOf(indexPath) ?? mtimeOf(dbPath) };
}

function mtimeOf(path: string): Date | undefined {
  try {
    return statSync(path).mtime;
  } catch {
    return undefined;
  }
}

/**
 * One repository (configured or not, e.g. a system model's) and the state of its cache, read as
 * it is. `client` names the cache dir as the original does (`moss`; boulder's explicit
 * repositories use `boulder`, so the same URI has its own cache per client).
 */
export async function statusOf(root: string, r: Repository, client = 'moss'): Promise<RepositoryStatus> {
  const cacheDir = await repositoryCacheDir(root, r.uri, client);
  const cache = await readRepositoryCache(cacheDir);
  const signedBy = cache.info.signedBy;
  const keyIds = r.keys.length === 0 ? [] : trustedKeysOf(r).map((k) => k.id);
  return {
    ...r,
    cacheDir,
    packages: cache.packages.length,
    fetchedAt: cache.fetchedAt,
    indexSha256: cache.info.sha256,
    keyIds,
    signedBy,
    signedAt: cache.info.signedAt === undefined ? undefined : Number(cache.info.signedAt),
    trusted: keyIds.length === 0 || (signedBy !== undefined && keyIds.includes(signedBy)),
  };
}

/** Every configured repository (vendor then admin layering) and the state of its cache. */
export async function repositoryStatus(
  root: string,
): Promise<{ repositories: RepositoryStatus[]; problems: RepositoryConfigProblem[] }> {
  const config = await loadRepositories(root);
  const repositories: RepositoryStatus[] = [];
  for (const r of config.repositories) repositories.push(await statusOf(root, r));
  return { repositories, problems: [...config.problems] };
}

/**
 * The repositories a transaction resolves against now: every active one with a fetched index,
 * with that index's SHA-256, as the state records them (and `moss state export` writes them).
 */
export async function stateRepositories(
  root: string,
  list?: readonly RepositoryStatus[],
): Promise<StateRepository[]> {
  const repositories = list ?? (await repositoryStatus(root)).repositories;
  return repositories
    .filter((r) => r.active && r.fetchedAt !== undefined && r.trusted)
    .map((r) => ({
      name: r.id,
      uri: r.uri,
      priority: r.priority,
      ...(r.indexSha256 === undefined ? {} : { indexSha256: r.indexSha256 }),
    }));
}

/**
 * Fetches the index of each named (or every active) repository into its cache and replaces its
 * meta DB with the index's packages in one transaction, keyed by each stone's SHA-256 as the
 * original keys them. A failed fetch leaves the previous index and DB as they were.
 */
export async function refreshRepositories(
  root: string,
  options: {
    ids?: readonly string[];
    onEvent?: ((e: RootEvent) => void) | undefined;
    /** The largest index accepted, in bytes (default: the repository package's, 64 MiB). */
    maxIndexBytes?: number | undefined;
  } = {},
): Promise<RefreshResult[]> {
  const { repositories } = await repositoryStatus(root);
  for (const id of options.ids ?? []) {
    if (!repositories.some((r) => r.id === id))
      throw new RepositoryError('REPO_NOT_FOUND', `${id} not found`, { repo: id });
  }
  const chosen = options.ids?.length
    ? repositories.filter((r) => options.ids!.includes(r.id))
    : repositories.filter((r) => r.active);
  return refreshRepositoryList(chosen, options.onEvent, options.maxIndexBytes);
}

/**
 * Fetches the index of each of `repositories` (configured or not: a system model's) into its
 * cache dir and meta DB, as refreshRepositories does; trusted keys are checked on the way.
 */
export async function refreshRepositoryList(
  repositories: readonly RepositoryStatus[],
  onEvent?: ((e: RootEvent) => void) | undefined,
  /** The largest index accepted, in bytes (default: the repository package's, 64 MiB). */
  maxIndexBytes?: number,
): Promise<RefreshResult[]> {
  const out: { repo: string; packages: number; notModified: boolean }[] = [];
  for (const r of repositories) {
    const t0 = performance.now();
    onEvent?.({ type: 'repository-refreshing', repo: r.id, uri: r.uri });
    const previous = await withRepoDb(r.cacheDir, (db) => db.info());
    const fetched: FetchedIndex = await fetchIndex(r, r.cacheDir, {
      previous: { etag: previous.etag, lastModified: previous.lastModified, sha256: previous.sha256 },
      ...(maxIndexBytes === undefined ? {} : { maxBytes: maxIndexBytes }),
      onEvent: (e) => {
        if (e.type === 'retry')
          onEvent?.({ type: 'retry', url: e.url, attempt: e.attempt, reason: e.reason });
      },
    });
    await withRepoDb(r.cacheDir, (db) => {
      const info = {
        uri: fetched.uri,
        sha256: fetched.sha256,
        fetchedAt: fetched.fetchedAt.toISOString(),
        ...(fetched.etag ? { etag: fetched.etag } : {}),
        ...(fetched.lastModified ? { lastModified: fetched.lastModified } : {}),
        ...(fetched.signature
          ? { signedBy: fetched.signature.keyId, signedAt: String(fetched.signature.timestamp) }
          : {}),
      };
      // Not modified, and the rows are of this very index: only the facts change.
      if (fetched.notModified && previous.sha256 === fetched.sha256 && previous.fetchedAt !== undefined) {
        db.replaceInfo(info);
        return;
      }
      const packages: StoredPackage[] = fetched.packages.map((p) => ({ id: p.packageHash, meta: p }));
      db.replaceAllWithInfo(packages, info);
    });
    out.push({ repo: r.id, packages: fetched.packages.length, notModified: fetched.notModified });
    onEvent?.({
      type: 'repository-refreshed',
      repo: r.id,
      packages: fetched.packages.length,
      notModified: fetched.notModified,
      ms: Math.round(performance.now() - t0),
    });
  }
  return out;
}

/** A candidate from a repository, with where to download it. */
export interface RepositoryCandidate extends Candidate {
  readonly url: string;
  readonly repo: string;
}

/**
 * Every package the active repositories offer (the configured ones, or `list`), as resolver
 * candidates, from their caches as they are (ours, or the original's: see readRepositoryCache);
 * nothing is written.
 */
export async function repositoryCandidates(
  root: string,
  list?: readonly RepositoryStatus[],
): Promise<RepositoryCandidate[]> {
  const repositories = list ?? (await repositoryStatus(root)).repositories;
  const out: RepositoryCandidate[] = [];
  // An index not verified by a key trusted now is not used, whatever its cache holds.
  for (const r of repositories.filter((x) => x.active && x.fetchedAt !== undefined && x.trusted)) {
    const { packages } = await readRepositoryCache(r.cacheDir);
    for (const p of packages) {
      out.push({
        id: p.id,
        meta: p.meta,
        source: { kind: 'repository', name: r.id, priority: r.priority },
        url: packageUrl(r.uri, p.meta.packageUri ?? '', p.meta.name),
        repo: r.id,
      });
    }
  }
  return out;
}

/**
 * Downloads repository candidates into the installation's download cache (parallel, SHA-256
 * verified, retried) and returns id → verified local path, for `commitInstall`'s `fetch`.
 */
export function repositoryFetcher(inst: Installation, onEvent?: EventSink) {
  return async (candidates: readonly Candidate[]): Promise<Map<string, string>> => {
    const items = candidates.map((c) => {
      const rc = c as RepositoryCandidate;
      const meta = c.meta as StoredPackage['meta'];
      return {
        name: meta.name,
        repo: rc.repo,
        url: rc.url,
        sha256: meta.packageHash ?? c.id,
        size: meta.packageSize ?? 0,
      };
    });
    const fetched = await fetchPackages(items, {
      cacheDir: inst.layout.cacheDir,
      onProgress: (e) => {
        if (e.type === 'progress') {
          onEvent?.({
            type: 'fetch-progress',
            packagesDone: e.packagesDone,
            packages: e.packagesTotal,
            bytesDone: e.bytesDone,
            bytes: e.bytesTotal,
          });
        } else if (e.type === 'retry')
          onEvent?.({ type: 'warning', message: `retrying ${e.url} (attempt ${e.attempt}): ${e.reason}` });
      },
    });
    const byHash = new Map(fetched.map((f) => [f.sha256, f.path]));
    return new Map(
      candidates.map((c) => [c.id, byHash.get((c.meta as StoredPackage['meta']).packageHash ?? c.id)!]),
    );
  };
}
