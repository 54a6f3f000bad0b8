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

/**
 * The largest index `fetchIndex` accepts by default: 64 MiB. A real-scale index, 1,609
 * packages with the metadata of the real build manifests (`bench/index-size.bench.mjs`), is
 * 833 KiB (530 bytes a package): this leaves room for about 79 times that (≈ 126,000 such
 * packages) while an endless or hostile answer stops long before it fills a disk.
 */
export const DEFAULT_MAX_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * A package's absolute URL: its index PackageURI resolved against the index URI (URL join).
 * The result must keep the index's scheme: an `http://` index naming `file:///etc/shadow`
 * would otherwise make moss read local files as root (refused with `REPO_BAD_URI`); only a
 * `file://` index, which is local already, names local files.
 */
export function packageUrl(indexUri: string, packageUri: string, packageName?: string): string {
  const index = new URL(indexUri);
  let url: URL;
  try {
    url = new URL(packageUri, index);
  } catch (err) {
    throw new RepositoryError(
      'REPO_BAD_URI',
      `${packageName ?? 'a package'} in ${indexUri}: ${JSON.stringify(packageUri)} is not a URI`,
      { index: indexUri, packageUri, ...(packageName ? { package: packageName } : {}) },
      err,
    );
  }
  if (url.protocol !== index.protocol) {
    throw new RepositoryError(
      'REPO_BAD_URI',
      `${packageName ?? 'a package'} in ${indexUri}: its URI ${JSON.stringify(packageUri)} leaves the index's ${index.protocol} scheme`,
      { index: indexUri, packageUri, url: url.href, ...(packageName ? { package: packageName } : {}) },
      undefined,
      'a package of a repository index is fetched from where the index is; run `moss repo update`, and report the index to its owner if this stays',
    );
  }
  return url.href;
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
      ? await readCachedIndex(dest, opts.previous.sha256)
      : undefined;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_INDEX_BYTES;
  const validators =
    cached === undefined
      ? {}
      : { ifNoneMatch: opts.previous?.etag, ifModifiedSince: opts.previous?.lastModified };
  let packages: IndexedPackage[] = [];
  const result = await download(url, dest, {
    ...validators,
    // An index is small and may change between attempts: each attempt starts from its first byte.
    resume: false,
    maxBytes,
    maxBytesName: `the index size limit of ${maxBytes} bytes`,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    retries: opts.retries ?? 3,
    retryDelayMs: opts.retryDelayMs ?? 250,
    ...(opts.signal ? { signal: opts.signal } : {}),
    // Parsed before it replaces the last good index.
    check: async (part) => {
      packages = await readIndex(part, `${uri} (repository ${repo.id})`);
      checkPackageUris(packages, uri, repo.id);
    },
    onProgress: (p) => opts.onEvent?.({ type: 'progress', url: uri, bytes: p.bytes, total: p.total }),
    onRetry: (r) =>
      opts.onEvent?.({ type: 'retry', url: uri, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason }),
  }).catch((err: unknown) => {
    throw indexError(err, repo.id, uri, repoDir, maxBytes);
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

/** The cached index when it parses (and, given `sha256`, is still that file), else undefined. */
async function readCachedIndex(path: string, sha: string | undefined): Promise<IndexedPackage[] | undefined> {
  try {
    if (sha !== undefined && sha256(await readFile(path)) !== sha) return undefined;
    return await readIndex(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses an index whose package URIs leave its scheme (see {@link packageUrl}) before it
 * replaces the cached one, naming the first such package.
 */
function checkPackageUris(packages: readonly IndexedPackage[], uri: string, repo: string): void {
  for (const p of packages) {
    try {
      packageUrl(uri, p.packageUri, p.name);
    } catch (err) {
      throw new RepositoryError(
        'REPO_INDEX_INVALID',
        `the index of ${repo} (${uri}) is refused: ${(err as Error).message}`,
        { repo, url: uri, package: p.name, packageUri: p.packageUri },
        err,
        'the index names files outside its repository; the last good index is kept. Report it to the repository owner',
      );
    }
  }
}

/** A failed index download as the repository's error, naming the repository. */
function indexError(err: unknown, repo: string, uri: string, dir: string, maxBytes: number): unknown {
  if (!(err instanceof FetchError)) return err;
  const reason = (err.details as { reason?: string }).reason ?? err.message;
  const status = (err.details as { status?: number }).status;
  if (err.code === 'FETCH_ABORTED')
    return new RepositoryError('REPO_ABORTED', `fetching the index of ${repo} was cancelled`, {
      repo,
      url: uri,
    });
  if (err.code === 'FETCH_TOO_LARGE') {
    return new RepositoryError(
      'REPO_INDEX_TOO_LARGE',
      `the index of ${repo} (${uri}) is refused: ${reason}`,
      { repo, url: uri, maxBytes },
      err,
    );
  }
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
