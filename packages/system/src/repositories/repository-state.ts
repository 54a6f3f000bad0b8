import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type FetchedIndex,
  fetchIndex,
  fetchPackages,
  loadRepositories,
  packageUrl,
  type Repository,
  type RepositoryConfigProblem,
  RepositoryError,
  repositoryCacheDir,
} from '@serpent/repository';
import type { Candidate } from '@serpent/resolve';
import { type MetaDb, openMetaDb, type StoredPackage } from '../db/meta-db.js';
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
}

async function withRepoDb<T>(cacheDir: string, fn: (db: MetaDb) => T): Promise<T> {
  const db = await openMetaDb(join(cacheDir, 'db'));
  try {
    return fn(db);
  } finally {
    await db.close();
  }
}

/** Every configured repository (vendor then admin layering) and the state of its cache. */
export async function repositoryStatus(
  root: string,
): Promise<{ repositories: RepositoryStatus[]; problems: RepositoryConfigProblem[] }> {
  const config = await loadRepositories(root);
  const repositories: RepositoryStatus[] = [];
  for (const r of config.repositories) {
    const cacheDir = await repositoryCacheDir(root, r.uri);
    const facts = existsSync(join(cacheDir, 'db'))
      ? await withRepoDb(cacheDir, (db) => ({ info: db.info(), count: db.listPackages().length }))
      : { info: {} as Record<string, string>, count: 0 };
    repositories.push({
      ...r,
      cacheDir,
      packages: facts.count,
      fetchedAt: facts.info.fetchedAt ? new Date(facts.info.fetchedAt) : undefined,
      indexSha256: facts.info.sha256,
    });
  }
  return { repositories, problems: [...config.problems] };
}

/**
 * Fetches the index of each named (or every active) repository into its cache and replaces its
 * meta DB with the index's packages in one transaction, keyed by each stone's SHA-256 as the
 * original keys them. A failed fetch leaves the previous index and DB as they were.
 */
export async function refreshRepositories(
  root: string,
  options: { ids?: readonly string[]; onEvent?: ((e: RootEvent) => void) | undefined } = {},
): Promise<RefreshResult[]> {
  const { repositories } = await repositoryStatus(root);
  for (const id of options.ids ?? []) {
    if (!repositories.some((r) => r.id === id))
      throw new RepositoryError('REPO_NOT_FOUND', `${id} not found`, { repo: id });
  }
  const chosen = options.ids?.length
    ? repositories.filter((r) => options.ids!.includes(r.id))
    : repositories.filter((r) => r.active);
  const out: { repo: string; packages: number; notModified: boolean }[] = [];
  for (const r of chosen) {
    const t0 = performance.now();
    options.onEvent?.({ type: 'repository-refreshing', repo: r.id, uri: r.uri });
    const previous = await withRepoDb(r.cacheDir, (db) => db.info());
    const fetched: FetchedIndex = await fetchIndex(r, r.cacheDir, {
      previous: { etag: previous.etag, lastModified: previous.lastModified },
      onEvent: (e) => {
        if (e.type === 'retry')
          options.onEvent?.({ type: 'retry', url: e.url, attempt: e.attempt, reason: e.reason });
      },
    });
    await withRepoDb(r.cacheDir, (db) => {
      const packages: StoredPackage[] = fetched.packages.map((p) => ({ id: p.packageHash, meta: p }));
      db.replaceAllWithInfo(packages, {
        uri: fetched.uri,
        sha256: fetched.sha256,
        fetchedAt: fetched.fetchedAt.toISOString(),
        ...(fetched.etag ? { etag: fetched.etag } : {}),
        ...(fetched.lastModified ? { lastModified: fetched.lastModified } : {}),
      });
    });
    out.push({ repo: r.id, packages: fetched.packages.length, notModified: fetched.notModified });
    options.onEvent?.({
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

/** Every package the active repositories offer, as resolver candidates (from their cached DBs). */
export async function repositoryCandidates(root: string): Promise<RepositoryCandidate[]> {
  const { repositories } = await repositoryStatus(root);
  const out: RepositoryCandidate[] = [];
  for (const r of repositories.filter((x) => x.active && x.fetchedAt !== undefined)) {
    const packages = await withRepoDb(r.cacheDir, (db) => db.listPackages());
    for (const p of packages) {
      out.push({
        id: p.id,
        meta: p.meta,
        source: { kind: 'repository', name: r.id, priority: r.priority },
        url: packageUrl(r.uri, p.meta.packageUri ?? ''),
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
