import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DownloadResult, download, FetchError } from '@serpent/fetch';
import { sha256, xxh3_64 } from '@serpent/stone';
import { INDEX_NAME } from './index-name.js';
import {
  MAX_SIGNATURE_BYTES,
  type MinisignSignature,
  parseSignature,
  signatureTimestamp,
} from './minisign-signature.js';
import { readIndex } from './read-index.js';
import { checkRepositoryUri } from './repository-config.js';
import { RepositoryError } from './repository-error.js';
import { INDEX_SIGNATURE_NAME, signatureUrl } from './sign-index.js';
import type { FetchedIndex, FetchIndexOptions, IndexedPackage, Repository } from './types.js';
import { trustedKeysOf, type VerifiedSignature, verifyIndexSignature } from './verify-index.js';

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

type Validators = { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined };

/** One download of the index (or its signature) with the fetch options, errors as the repository's. */
function fetchFile(
  repo: Pick<Repository, 'id'>,
  uri: string,
  dest: string,
  what: string,
  opts: FetchIndexOptions,
  extra: {
    validators?: Validators;
    check: (part: string) => Promise<void>;
    signal?: AbortSignal;
    maxBytes: number;
  },
): Promise<DownloadResult> {
  const signal = extra.signal ?? opts.signal;
  return download(uri, dest, {
    ...extra.validators,
    // An index is small and may change between attempts: each attempt starts from its first byte.
    resume: false,
    maxBytes: extra.maxBytes,
    maxBytesName: `the ${what} size limit of ${extra.maxBytes} bytes`,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    retries: opts.retries ?? 3,
    retryDelayMs: opts.retryDelayMs ?? 250,
    ...(signal ? { signal } : {}),
    check: extra.check,
    onProgress: (p) => {
      if (what === 'index') opts.onEvent?.({ type: 'progress', url: uri, bytes: p.bytes, total: p.total });
    },
    onRetry: (r) =>
      opts.onEvent?.({ type: 'retry', url: r.url, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason }),
  }).catch((err: unknown) => {
    throw indexError(err, repo.id, uri, dest, what, extra.maxBytes);
  });
}

/**
 * Downloads a repository's index into `<repoDir>/stone.index`. The bytes go to a temporary
 * file, are fsynced and parsed, and only then renamed over the previous index, so a failed
 * or garbled fetch leaves the last good index in place (the original overwrote it in place).
 *
 * A repository with trusted keys (`repo.keys`, minisign public keys) must publish a detached
 * minisign signature at `<index URI>.minisig`, made by one of them, whose trusted comment
 * carries a timestamp no older than the signature of the index in use. The signature is
 * fetched first and checked against the downloaded bytes before anything parses them; any
 * failure (missing, damaged, another key, tampered bytes, an older timestamp) throws and keeps
 * the last good index and its signature, which are replaced together (signature first, so the
 * newest timestamp seen is never lost). When the signature is the one already cached and the
 * cached index still verifies, the index is asked for conditionally (`previous` validators).
 */
export async function fetchIndex(
  repo: Pick<Repository, 'id' | 'uri'> & { readonly keys?: readonly string[] | undefined },
  repoDir: string,
  opts: FetchIndexOptions = {},
): Promise<FetchedIndex> {
  const uri = checkRepositoryUri(repo.uri, { repo: repo.id });
  const url = new URL(uri);
  const keys = trustedKeysOf(repo);
  await mkdir(repoDir, { recursive: true });
  if (keys.length > 0) return fetchSignedIndex(repo, repoDir, uri, keys, opts);
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
  const result = await fetchFile(repo, uri, dest, 'index', opts, {
    validators,
    maxBytes,
    // Parsed before it replaces the last good index.
    check: async (part) => {
      packages = await readIndex(part, `${uri} (repository ${repo.id})`);
      checkPackageUris(packages, uri, repo.id);
    },
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
      signature: undefined,
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
    signature: undefined,
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

async function fetchSignedIndex(
  repo: Pick<Repository, 'id'>,
  repoDir: string,
  uri: string,
  keys: ReturnType<typeof trustedKeysOf>,
  opts: FetchIndexOptions,
): Promise<FetchedIndex> {
  const dest = join(repoDir, INDEX_NAME);
  const sigDest = join(repoDir, INDEX_SIGNATURE_NAME);
  // The fresh signature waits under this name until the index it signs is verified.
  const sigNew = `${sigDest}.new`;
  const sigUri = signatureUrl(uri);
  let sig: MinisignSignature | undefined;
  let sigText = '';
  // A signature is a few hundred bytes: a server sending more is cut off (from its
  // Content-Length, or as the bytes pass the limit), not waited for.
  try {
    await fetchFile(repo, sigUri, sigNew, 'index signature', opts, {
      maxBytes: MAX_SIGNATURE_BYTES,
      check: async (part) => {
        sigText = await readFile(part, 'utf8');
        sig = parseSignature(sigText, sigUri);
      },
    });
  } catch (err) {
    if (!isMissing(err)) throw err;
    throw new RepositoryError(
      'REPO_SIGNATURE_MISSING',
      `${repo.id} trusts key ${keys.map((k) => k.id).join(', ')}, but its index has no signature at ${sigUri}`,
      { repo: repo.id, url: sigUri, trustedKeys: keys.map((k) => k.id) },
      err,
    );
  }
  const fresh = sig as unknown as MinisignSignature;
  try {
    // The newest timestamp accepted so far is the one of the signature cached beside the index
    // in use (it was verified when it was stored there, and is replaced only by a newer one).
    const cachedSig = await readFile(sigDest, 'utf8').catch(() => undefined);
    let notBefore: number | undefined;
    try {
      notBefore =
        cachedSig === undefined ? undefined : signatureTimestamp(parseSignature(cachedSig).trustedComment);
    } catch {
      notBefore = undefined;
    }
    const context = { repo: repo.id, url: uri, keys, notBefore };
    // The same signature as the cached one, over a cached index that still verifies: the index
    // is asked for conditionally, and a 304 reuses it. Any body that does come is verified like
    // a new one, so a mirror that changed the index under the old signature is refused, not missed.
    const unchanged = cachedSig === sigText ? await reuseCached(dest, fresh, context) : undefined;
    const validators =
      unchanged === undefined || opts.previous === undefined || new URL(uri).protocol === 'file:'
        ? {}
        : { ifNoneMatch: opts.previous.etag, ifModifiedSince: opts.previous.lastModified };
    let signature: VerifiedSignature | undefined;
    let packages: IndexedPackage[] = [];
    const result = await fetchFile(repo, uri, dest, 'index', opts, {
      validators,
      // Verified before anything parses it, parsed before it replaces the last good index; the
      // signature takes its cache name just before the index does.
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_INDEX_BYTES,
      check: async (part) => {
        signature = verifyIndexSignature(await readFile(part), fresh, context);
        packages = await readIndex(part, `${uri} (repository ${repo.id})`);
        checkPackageUris(packages, uri, repo.id);
        await rename(sigNew, sigDest);
      },
    });
    if (result.notModified && unchanged !== undefined) {
      return { ...unchanged, uri, etag: result.etag, lastModified: result.lastModified };
    }
    return {
      path: dest,
      uri,
      packages,
      bytes: result.bytes,
      sha256: result.sha256,
      fetchedAt: new Date(),
      notModified: unchanged !== undefined && result.sha256 === unchanged.sha256,
      etag: result.etag,
      lastModified: result.lastModified,
      signature,
    };
  } finally {
    await rm(sigNew, { force: true });
  }
}

/** The cached index, when the fetched signature is the cached one and still verifies over it. */
async function reuseCached(
  dest: string,
  sig: MinisignSignature,
  context: Parameters<typeof verifyIndexSignature>[2],
): Promise<Omit<FetchedIndex, 'uri'> | undefined> {
  let bytes: Buffer;
  let signature: VerifiedSignature;
  let packages: IndexedPackage[];
  try {
    bytes = await readFile(dest);
    signature = verifyIndexSignature(bytes, sig, context);
    packages = await readIndex(bytes, dest);
  } catch {
    return undefined; // downloaded again unconditionally; the fresh copy is verified or refused
  }
  return {
    path: dest,
    packages,
    bytes: bytes.length,
    sha256: sha256(bytes),
    fetchedAt: new Date(),
    notModified: true,
    etag: undefined,
    lastModified: undefined,
    signature,
  };
}

/** A 404 over HTTP, or a missing file for a file:// repository. */
function isMissing(err: unknown): boolean {
  if ((err as { details?: { status?: number } }).details?.status === 404) return true;
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A failed download as the repository's error, naming the repository and what was fetched. */
function indexError(
  err: unknown,
  repo: string,
  uri: string,
  dest: string,
  what: string,
  maxBytes: number,
): unknown {
  if (!(err instanceof FetchError)) return err;
  const reason = (err.details as { reason?: string }).reason ?? err.message;
  const status = (err.details as { status?: number }).status;
  if (err.code === 'FETCH_ABORTED')
    return new RepositoryError('REPO_ABORTED', `fetching the ${what} of ${repo} was cancelled`, {
      repo,
      url: uri,
    });
  if (err.code === 'FETCH_TOO_LARGE' && what === 'index signature') {
    return new RepositoryError(
      'REPO_SIGNATURE_INVALID',
      `${uri}: more than ${maxBytes} bytes, not a minisign signature`,
      { repo, url: uri, maxBytes },
      err,
    );
  }
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
      `cannot fetch the ${what} of ${repo} from ${uri}: ${reason}`,
      { repo, url: uri, reason, ...(status === undefined ? {} : { status }) },
      err.cause ?? err,
    );
  }
  return new RepositoryError(
    'REPO_IO',
    `cannot store the ${what} of ${repo} in ${dest}: ${err.message}`,
    { repo, file: dest },
    err,
  );
}
