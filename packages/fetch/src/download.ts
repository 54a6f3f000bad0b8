import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readChunks, syncDir } from '@serpent/durable';
import { isSerpentError } from '@serpent/errors';
import { FetchError } from './fetch-error.js';
import { withRetries } from './retry.js';
import { TransferAborted, TransferFailure, type TransferResult, transfer } from './transfer.js';

export interface DownloadOptions {
  /** The SHA-256 the bytes must have (hex); a mismatch deletes them (FETCH_HASH_MISMATCH). */
  readonly sha256?: string;
  /** The exact size: more bytes fail at once (FETCH_SIZE_MISMATCH), fewer are retried as a cut transfer. */
  readonly size?: number;
  /**
   * The largest size accepted, where the exact size is not known (an index): a larger body is
   * refused (FETCH_TOO_LARGE) before a byte of it is read when the server's Content-Length or
   * the local file's size says so, and otherwise as soon as it passes the limit, so an endless
   * or hostile answer never fills the disk.
   */
  readonly maxBytes?: number;
  /** What `maxBytes` is, for the message (default "the limit of N bytes"). */
  readonly maxBytesName?: string;
  /** Transient failures retried (dropped connection, 5xx, 408/429, a cut body, a stalled peer); default 3. */
  readonly retries?: number;
  /** First retry delay, doubled each time (±25 % jitter); default 250 ms. */
  readonly retryDelayMs?: number;
  /** A transfer with no data for this long is cut (and retried); default 30 s. */
  readonly idleTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Where the bytes go until verified; default `<dest>.part`. */
  readonly part?: string;
  /**
   * Continue a `.part` left by an earlier attempt or run with an http Range request (default
   * true): a retry after a dropped connection fetches only what is missing.
   */
  readonly resume?: boolean;
  /** fsync the file and its directory (default true). */
  readonly durable?: boolean;
  /** Conditional http request: a 304 answer leaves `dest` alone and returns `notModified`. */
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
  /** Runs on the complete, verified `.part` before it takes its name; a throw deletes it. */
  readonly check?: (part: string) => Promise<void>;
  readonly onProgress?: (progress: {
    readonly url: string;
    readonly bytes: number;
    readonly total?: number;
  }) => void;
  readonly onRetry?: (retry: {
    readonly url: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly reason: string;
  }) => void;
}

export interface DownloadResult extends TransferResult {
  readonly path: string;
}

/** A file://, http:// or https:// URL, or FETCH_BAD_URL. */
export function parseUrl(url: string | URL): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new FetchError(
      'FETCH_BAD_URL',
      `${JSON.stringify(String(url))} is not a URL`,
      { url: String(url) },
      cause,
    );
  }
  if (!['file:', 'http:', 'https:'].includes(u.protocol))
    throw new FetchError('FETCH_BAD_URL', `${u.href}: ${u.protocol} URLs are not supported`, { url: u.href });
  return u;
}

/** The bytes a `.part` already holds and their hash, to resume after them. */
async function partial(
  part: string,
): Promise<{ offset: number; seed: ReturnType<typeof createHash> } | undefined> {
  const fh = await open(part, 'r').catch(() => undefined);
  if (fh === undefined) return undefined;
  try {
    const seed = createHash('sha256');
    const offset = await readChunks(fh, (c) => void seed.update(c));
    return offset > 0 ? { offset, seed } : undefined;
  } finally {
    await fh.close();
  }
}

function failure(err: unknown, url: URL, overLimit = false): FetchError {
  if (err instanceof FetchError) return err;
  const details = { url: url.href };
  if (err instanceof TransferAborted)
    return new FetchError('FETCH_ABORTED', `download of ${url.href} was cancelled`, details);
  if (err instanceof TransferFailure) {
    return new FetchError(
      err.tooLarge ? (overLimit ? 'FETCH_TOO_LARGE' : 'FETCH_SIZE_MISMATCH') : 'FETCH_FAILED',
      `cannot download ${url.href}: ${err.message}`,
      { ...details, reason: err.message, ...(err.status === undefined ? {} : { status: err.status }) },
      err,
    );
  }
  return new FetchError('FETCH_IO', `${url.href}: ${(err as Error).message}`, details, err);
}

/**
 * Downloads `url` to `dest`: the bytes go to `<dest>.part`, are checked (size, SHA-256,
 * `check`) and only then renamed to `dest`, so `dest` is never a partial or unverified file.
 * Transient failures are retried with backoff, each retry resuming after the bytes already
 * there. The one downloader of moss (indexes, packages) and boulder (upstreams). Every failure
 * is a FetchError; a failed download leaves no `.part` behind.
 */
export async function download(
  url: string | URL,
  dest: string,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const u = parseUrl(url);
  const part = opts.part ?? `${dest}.part`;
  // The exact size bounds the body where it is known; the limit only where it is smaller.
  const limited = opts.maxBytes !== undefined && (opts.size === undefined || opts.maxBytes < opts.size);
  let received = 0;
  try {
    await mkdir(dirname(dest), { recursive: true });
    if (opts.resume === false) await rm(part, { force: true });
    const result = await withRetries(
      async () => {
        const resume = opts.resume === false ? undefined : await partial(part);
        received = resume?.offset ?? 0;
        let total: number | undefined;
        const r = await transfer(u, part, {
          idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
          signal: opts.signal,
          ...(limited
            ? {
                maxBytes: opts.maxBytes,
                limitName: opts.maxBytesName ?? `the limit of ${opts.maxBytes} bytes`,
                refuseAnnounced: true,
              }
            : { maxBytes: opts.size }),
          durable: opts.durable,
          ifNoneMatch: opts.ifNoneMatch,
          ifModifiedSince: opts.ifModifiedSince,
          offset: resume?.offset,
          seed: resume?.seed,
          // A server that ignores the Range request sends everything again.
          onBegin: (resumed) => {
            received = resumed ? (resume?.offset ?? 0) : 0;
          },
          onLength: (n) => {
            total = n;
          },
          onBytes: (n) => {
            received += n;
            opts.onProgress?.({ url: u.href, bytes: received, ...(total === undefined ? {} : { total }) });
          },
        });
        // A server that closes early without a Content-Length looks like success: the expected
        // size catches it, and a retry resumes after what came.
        if (!r.notModified && opts.size !== undefined && r.bytes < opts.size)
          throw new TransferFailure(`body ended after ${r.bytes} of ${opts.size} bytes`, true);
        return r;
      },
      {
        retries: opts.retries ?? 3,
        delayMs: opts.retryDelayMs ?? 250,
        signal: opts.signal,
        onRetry: (attempt, delayMs, f) =>
          opts.onRetry?.({ url: u.href, attempt, delayMs, reason: f.message }),
      },
    );
    if (result.notModified) {
      await rm(part, { force: true });
      return { ...result, path: dest };
    }
    if (opts.sha256 !== undefined && result.sha256 !== opts.sha256.toLowerCase()) {
      throw new FetchError(
        'FETCH_HASH_MISMATCH',
        `${u.href} has SHA-256 ${result.sha256}, expected ${opts.sha256}`,
        { url: u.href, expected: opts.sha256, actual: result.sha256 },
      );
    }
    await opts.check?.(part);
    await rename(part, dest);
    if (opts.durable !== false) await syncDir(dirname(dest));
    return { ...result, path: dest };
  } catch (err) {
    await rm(part, { force: true }).catch(() => {});
    // The caller's own check speaks for itself (a damaged index is the index's error).
    if (isSerpentError(err) && !(err instanceof FetchError)) throw err;
    throw failure(err, u, limited);
  }
}

/** The SHA-256 of what a URL serves, streamed and not kept (with the download's retries). */
export async function hashUrl(
  url: string | URL,
  opts: Pick<
    DownloadOptions,
    'retries' | 'retryDelayMs' | 'idleTimeoutMs' | 'signal' | 'onProgress' | 'onRetry'
  > = {},
): Promise<{ sha256: string; bytes: number }> {
  const u = parseUrl(url);
  try {
    const r = await withRetries(
      () => transfer(u, null, { idleTimeoutMs: opts.idleTimeoutMs ?? 30_000, signal: opts.signal }),
      {
        retries: opts.retries ?? 3,
        delayMs: opts.retryDelayMs ?? 250,
        signal: opts.signal,
        onRetry: (attempt, delayMs, f) =>
          opts.onRetry?.({ url: u.href, attempt, delayMs, reason: f.message }),
      },
    );
    return { sha256: r.sha256, bytes: r.bytes };
  } catch (err) {
    throw failure(err, u);
  }
}
