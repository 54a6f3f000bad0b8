import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '@serpent/durable';
import { sha256, xxh3_64 } from '@serpent/stone';
import { MAX_SIGNATURE_BYTES, parseSignature, signatureTimestamp } from './minisign-signature.js';
import { readIndex } from './read-index.js';
import { checkRepositoryUri } from './repository-config.js';
import { RepositoryError } from './repository-error.js';
import { withRetries } from './retry.js';
import { INDEX_SIGNATURE_NAME, signatureUrl } from './sign-index.js';
import { TransferAborted, TransferFailure, type TransferResult, transfer } from './transfer.js';
import type { FetchedIndex, FetchIndexOptions, IndexedPackage, Repository } from './types.js';
import { trustedKeysOf, type VerifiedSignature, verifyIndexSignature } from './verify-index.js';
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

/** One download with retries; every failure becomes a RepositoryError naming `what`. */
async function download(
  repo: Pick<Repository, 'id'>,
  url: URL,
  dest: string,
  what: string,
  opts: FetchIndexOptions,
  extra: {
    maxBytes?: number;
    validators?: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined };
    onBytes?: (received: number, total: number | undefined) => void;
  } = {},
): Promise<TransferResult> {
  let received = 0;
  let total: number | undefined;
  return withRetries(
    () => {
      received = 0;
      return transfer(url, dest, {
        idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
        signal: opts.signal,
        maxBytes: extra.maxBytes,
        ...extra.validators,
        onLength: (n) => {
          total = n;
        },
        onBytes: (n) => {
          received += n;
          extra.onBytes?.(received, total);
        },
      });
    },
    {
      retries: opts.retries ?? 3,
      delayMs: opts.retryDelayMs ?? 250,
      signal: opts.signal,
      onRetry: (attempt, delayMs, f) =>
        opts.onEvent?.({ type: 'retry', url: url.href, attempt, delayMs, reason: f.message }),
    },
  ).catch(async (err: unknown) => {
    await rm(dest, { force: true });
    if (err instanceof TransferAborted) {
      throw new RepositoryError('REPO_ABORTED', `fetching the ${what} of ${repo.id} was cancelled`, {
        repo: repo.id,
        url: url.href,
      });
    }
    if (err instanceof TransferFailure) {
      throw new RepositoryError(
        'REPO_FETCH_FAILED',
        `cannot fetch the ${what} of ${repo.id} from ${url.href}: ${err.message}`,
        {
          repo: repo.id,
          url: url.href,
          reason: err.message,
          ...(err.status === undefined ? {} : { status: err.status }),
        },
        err,
      );
    }
    throw new RepositoryError(
      'REPO_IO',
      `cannot store the ${what} of ${repo.id} in ${dest}: ${(err as Error).message}`,
      { repo: repo.id, file: dest },
      err,
    );
  });
}

/** A 404 over HTTP, or a missing file for a file:// repository. */
function isMissing(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  if (!(cause instanceof TransferFailure)) return false;
  return cause.status === 404 || (cause.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
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
  const dest = join(repoDir, INDEX_NAME);
  const part = `${dest}.part`;
  const onBytes = (bytes: number, total: number | undefined) =>
    opts.onEvent?.({ type: 'progress', url: uri, bytes, total });

  if (keys.length > 0) return fetchSignedIndex(repo, repoDir, uri, keys, opts, onBytes);

  // Conditional only when the cached copy is usable: a 304 must have something to stand for.
  const cached =
    opts.previous !== undefined && url.protocol !== 'file:'
      ? await readIndex(dest).catch(() => undefined)
      : undefined;
  const validators =
    cached === undefined
      ? {}
      : { ifNoneMatch: opts.previous?.etag, ifModifiedSince: opts.previous?.lastModified };
  const result = await download(repo, url, part, 'index', opts, { validators, onBytes });
  if (result.notModified && cached !== undefined) {
    await rm(part, { force: true });
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
  let packages: IndexedPackage[];
  try {
    packages = await readIndex(part, `${uri} (repository ${repo.id})`);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  await rename(part, dest);
  await syncDir(repoDir);
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

async function fetchSignedIndex(
  repo: Pick<Repository, 'id'>,
  repoDir: string,
  uri: string,
  keys: ReturnType<typeof trustedKeysOf>,
  opts: FetchIndexOptions,
  onBytes: (bytes: number, total: number | undefined) => void,
): Promise<FetchedIndex> {
  const dest = join(repoDir, INDEX_NAME);
  const part = `${dest}.part`;
  const sigDest = join(repoDir, INDEX_SIGNATURE_NAME);
  const sigPart = `${sigDest}.part`;
  const sigUri = signatureUrl(uri);
  try {
    await download(repo, new URL(sigUri), sigPart, 'index signature', opts, {
      maxBytes: MAX_SIGNATURE_BYTES,
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
  const cleanup = () => Promise.all([rm(part, { force: true }), rm(sigPart, { force: true })]);
  try {
    const sigText = await readFile(sigPart, 'utf8');
    const sig = parseSignature(sigText, sigUri);
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
    // a new one, so a mirror that changed the index but kept the signature is refused, not missed.
    const unchanged = cachedSig === sigText ? await reuseCached(dest, sig, context) : undefined;
    const validators =
      unchanged === undefined || opts.previous === undefined || new URL(uri).protocol === 'file:'
        ? {}
        : { ifNoneMatch: opts.previous.etag, ifModifiedSince: opts.previous.lastModified };
    const result = await download(repo, new URL(uri), part, 'index', opts, { onBytes, validators });
    if (result.notModified && unchanged !== undefined) {
      await cleanup();
      return { ...unchanged, uri, etag: result.etag, lastModified: result.lastModified };
    }
    const data = await readFile(part);
    const signature = verifyIndexSignature(data, sig, context);
    const packages = await readIndex(part, `${uri} (repository ${repo.id})`);
    await rename(sigPart, sigDest);
    await rename(part, dest);
    await syncDir(repoDir);
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
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The cached index, when the fetched signature is the cached one and still verifies over it. */
async function reuseCached(
  dest: string,
  sig: ReturnType<typeof parseSignature>,
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
