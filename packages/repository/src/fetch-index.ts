import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { download, FetchError } from '@serpent/fetch';
import { sha256, xxh3_64 } from '@serpent/stone';
import { readIndex } from './read-index.js';
import { checkRepositoryUri } from './repository-config.js';
import { RepositoryError } from './repository-error.js';
import type { FetchedIndex, FetchIndexOptions, IndexedPackage, Repository } from './types.js';
import { INDEX_NAME } from './write-index.js';

/**
 * The original's cache directory of a repository: `<root>/.moss/repo/<h>`, where h is the
 * XXH3-64 of `<client>-<uri>` in hex without leading zeros (`format!("{:02x}", …)` in the
 * original's `repository::manager::cache_dir`), so the same URI gets a separate directory per
 * client (`moss`, `boulder`). `uri` must be in its normal form (`new URL(uri).href`, which is
 * what the original's `Url` prints).
 */
export async function repositoryCacheDir(root: string, uri: string, client = 'moss'): Promise<string> {
  const hex = (await xxh3_64(new TextEncoder().encode(`${client}-${uri}`))).replace(/^0+(?=..)/, '');
  return join(root, '.moss', 'repo', hex);
}

/** A package's absolute URL: its index PackageURI resolved against the index URI (URL join). */
export function packageUrl(indexUri: string, packageUri: string): string {
  return new URL(packageUri, indexUri).href;
}

/**
 * Downloads a repository's index into `<repoDir>/stone.index`. The bytes go to a temporary
 * file, are fsynced and parsed, and only then renamed over the previous index, so a failed
 * or garbled fetch leaves the last good index in place (the original overwrote it in place).
 */
export async function fetchIndex(
  repo: Pick<Repository, 'id' | 'uri'>,
  repoDir: string,
  opts: FetchIndexOptions = {},
): Promise<FetchedIndex> {
  const uri = checkRepositoryUri(repo.uri, { repo: repo.id });
  const url = new URL(uri);
  await mkdir(repoDir, { recursive: true });
  const dest = join(repoDir, INDEX_NAME);
  // Conditional only when the cached copy is usable: a 304 must have something to stand for.
  const cached =
    opts.previous !== undefined && url.protocol !== 'file:'
      ? await readIndex(dest).catch(() => undefined)
      : undefined;
  const validators =
    cached === undefined
      ? {}
      : { ifNoneMatch: opts.previous?.etag, ifModifiedSince: opts.previous?.lastModified };
  let packages: IndexedPackage[] = [];
  const result = await download(url, dest, {
    ...validators,
    // An index is small and may change between attempts: each attempt starts from its first byte.
    resume: false,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    retries: opts.retries ?? 3,
    retryDelayMs: opts.retryDelayMs ?? 250,
    ...(opts.signal ? { signal: opts.signal } : {}),
    // Parsed before it replaces the last good index.
    check: async (part) => {
      packages = await readIndex(part, `${uri} (repository ${repo.id})`);
    },
    onProgress: (p) => opts.onEvent?.({ type: 'progress', url: uri, bytes: p.bytes, total: p.total }),
    onRetry: (r) =>
      opts.onEvent?.({ type: 'retry', url: uri, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason }),
  }).catch((err: unknown) => {
    throw indexError(err, repo.id, uri, repoDir);
  });
  if (result.notModified && cached !== undefined) {
    const bytes = await readFile(dest);
    return {
      path: dest,
      uri,
      packages: cached,
      bytes: bytes.length,
      sha256: sha256(bytes),
      fetchedAt: new Date(),
      notModified: true,
      etag: result.etag,
      lastModified: result.lastModified,
    };
  }
  return {
    path: dest,
    uri,
    packages,
    bytes: result.bytes,
    sha256: result.sha256,
    fetchedAt: new Date(),
    notModified: false,
    etag: result.etag,
    lastModified: result.lastModified,
  };
}

/** A failed index download as the repository's error, naming the repository. */
function indexError(err: unknown, repo: string, uri: string, dir: string): unknown {
  if (!(err instanceof FetchError)) return err;
  const reason = (err.details as { reason?: string }).reason ?? err.message;
  const status = (err.details as { status?: number }).status;
  if (err.code === 'FETCH_ABORTED')
    return new RepositoryError('REPO_ABORTED', `fetching the index of ${repo} was cancelled`, {
      repo,
      url: uri,
    });
  if (err.code === 'FETCH_FAILED' || err.code === 'FETCH_SIZE_MISMATCH') {
    return new RepositoryError(
      'REPO_FETCH_FAILED',
      `cannot fetch the index of ${repo} from ${uri}: ${reason}`,
      { repo, url: uri, reason, ...(status === undefined ? {} : { status }) },
      err.cause ?? err,
    );
  }
  return new RepositoryError(
    'REPO_IO',
    `cannot store the index of ${repo} in ${dir}: ${err.message}`,
    { repo, dir },
    err,
  );
}
