import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readChunks } from '@serpent/durable';

/** Why one attempt at a transfer failed, and whether another attempt may succeed. */
export class TransferFailure extends Error {
  readonly transient: boolean;
  readonly status: number | undefined;
  /** More bytes arrived than the caller's `maxBytes`. */
  readonly tooLarge: boolean;
  constructor(
    reason: string,
    transient: boolean,
    opts: { cause?: unknown; status?: number; tooLarge?: boolean } = {},
  ) {
    super(reason, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.transient = transient;
    this.status = opts.status;
    this.tooLarge = opts.tooLarge ?? false;
  }
}

/** The caller's signal fired; never retried. */
export class TransferAborted extends Error {}

export interface TransferOptions {
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /**
   * Stop and fail once more than this many bytes arrive (a package's size from its index, an
   * index size limit); a local file larger than this is refused from its size before a read.
   */
  readonly maxBytes?: number | undefined;
  /** What `maxBytes` is, for the message (default: "the N bytes expected"). */
  readonly limitName?: string | undefined;
  /**
   * Refuse at once when the server announces more than `maxBytes` (Content-Length), without
   * reading the body: for a limit (an index), where nothing larger can be right. Off for an
   * exact size (a package), where a wrong length is caught while streaming and a stalled or
   * cut answer may still be retried.
   */
  readonly refuseAnnounced?: boolean | undefined;
  readonly onBytes?: ((n: number) => void) | undefined;
  /** The size announced before the body (file size, or HTTP Content-Length when not re-encoded). */
  readonly onLength?: ((n: number | undefined) => void) | undefined;
  /** fsync the file before returning (default true). */
  readonly durable?: boolean | undefined;
  /** http(s) only: make the request conditional; a 304 answer returns `notModified`. */
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
  /**
   * http(s) only: `dest` already holds this many bytes of the body (an interrupted attempt), and
   * `seed` their hash. The rest is asked for with a Range request; a server that answers 200
   * instead of 206 sends the whole body, which then replaces what was there.
   */
  readonly offset?: number | undefined;
  readonly seed?: Hash | undefined;
  /** Called before the first byte: whether the body continues at `offset` (206) or starts over. */
  readonly onBegin?: ((resumed: boolean) => void) | undefined;
}

export interface TransferResult {
  /** Bytes of the whole body (those kept from an earlier attempt included). */
  readonly bytes: number;
  readonly sha256: string;
  /** The server answered 304 to a conditional request; nothing was written. */
  readonly notModified: boolean;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

interface HttpInfo {
  notModified: boolean;
  etag: string | undefined;
  lastModified: string | undefined;
}

/** Where the body goes: the file at `dest` (from the start, or after what it holds), or nowhere. */
interface Sink {
  /** Called once, before the first byte: whether the body continues the bytes already there. */
  begin(resumed: boolean): Promise<void>;
  take(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

// Socket-level failures that a later attempt can get past: a dropped or refused connection
// (a restarting server), a DNS hiccup, a stalled peer.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

const USER_AGENT = 'moss (serpent, node)';
const WRITE_BATCH = 1 << 20;

function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = errnoOf(err);
  let inner: unknown = err;
  while ((inner as { cause?: unknown })?.cause !== undefined) inner = (inner as { cause: unknown }).cause;
  const msg = (inner as Error)?.message ?? String(inner);
  return code !== undefined && !msg.includes(code) ? `${msg} (${code})` : msg;
}

/**
 * Streams `url` (file:// or http(s)://) into `dest` (created or truncated, or appended to when
 * resuming), or only hashes it when `dest` is null, hashing with SHA-256 on the way and (unless
 * `durable` is false) fsyncing at the end. One attempt: every failure is a TransferFailure
 * saying why and whether it is worth retrying, or TransferAborted.
 */
export async function transfer(
  url: URL,
  dest: string | null,
  opts: TransferOptions,
): Promise<TransferResult> {
  const offset = url.protocol === 'file:' ? 0 : (opts.offset ?? 0);
  let hash = createHash('sha256');
  let bytes = 0;
  let out: FileHandle | undefined;
  // Chunks are gathered and written 1 MiB at a time with one writev: a write per network
  // chunk (16-64 KiB) is a thread-pool round trip each, and the pool has 4 threads for all
  // the parallel downloads.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    await out?.writev(batch);
  };
  const sink: Sink = {
    async begin(resumed) {
      opts.onBegin?.(resumed);
      if (resumed && opts.seed) {
        hash = opts.seed;
        bytes = offset;
      }
      if (dest !== null) out = await open(dest, resumed ? 'a' : 'w', 0o644);
    },
    async take(chunk) {
      bytes += chunk.byteLength;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
        throw tooLarge(opts);
      }
      hash.update(chunk);
      if (out === undefined) return opts.onBytes?.(chunk.byteLength);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= WRITE_BATCH) await flush();
      opts.onBytes?.(chunk.byteLength);
    },
    async end() {
      await flush();
      if (out !== undefined && opts.durable !== false) await out.sync();
    },
    async close() {
      // What arrived before a failure is kept, so the next attempt can resume after it.
      await flush().catch(() => {});
      await out?.close();
    },
  };
  let info: HttpInfo = { notModified: false, etag: undefined, lastModified: undefined };
  try {
    if (url.protocol === 'file:') {
      await sink.begin(false);
      await readLocal(url, (c) => sink.take(c), opts);
    } else info = await readHttp(url, sink, { ...opts, offset });
    await sink.end();
  } finally {
    await sink.close();
  }
  return { bytes, sha256: hash.digest('hex'), ...info };
}

function tooLarge(opts: TransferOptions, announced?: number): TransferFailure {
  const what = opts.limitName ?? `the ${opts.maxBytes} bytes expected`;
  return new TransferFailure(
    announced === undefined ? `more than ${what}` : `${announced} bytes, more than ${what}`,
    false,
    { tooLarge: true },
  );
}

/**
 * A local file: only a regular file is read (a `file:///dev/zero` has no end and reports size
 * 0), and one larger than `maxBytes` is refused from its size before a byte is read.
 */
async function readLocal(
  url: URL,
  take: (chunk: Uint8Array) => Promise<void>,
  opts: TransferOptions,
): Promise<void> {
  const { signal } = opts;
  let fh: FileHandle | undefined;
  try {
    const path = fileURLToPath(url);
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile()) throw new TransferFailure(`${path} is not a regular file`, false);
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) throw tooLarge(opts, st.size);
    opts.onLength?.(st.size);
    // take() keeps chunks until it writes them in a batch, so each gets its own copy.
    await readChunks(fh, (chunk) => take(new Uint8Array(chunk)), signal);
  } catch (err) {
    if (err instanceof TransferFailure || err instanceof TransferAborted) throw err;
    if (signal?.aborted) throw new TransferAborted('aborted');
    throw new TransferFailure(describe(err), false, { cause: err });
  } finally {
    await fh?.close();
  }
}

async function readHttp(url: URL, sink: Sink, opts: TransferOptions & { offset: number }): Promise<HttpInfo> {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => idle.abort(new TransferFailure(`no data for ${opts.idleTimeoutMs} ms`, true)),
      opts.idleTimeoutMs,
    );
  };
  const signal = opts.signal === undefined ? idle.signal : AbortSignal.any([opts.signal, idle.signal]);
  const failure = (err: unknown): Error => {
    if (err instanceof TransferFailure || err instanceof TransferAborted) return err;
    if (opts.signal?.aborted) return new TransferAborted('aborted');
    if (idle.signal.aborted) return idle.signal.reason as TransferFailure;
    const code = errnoOf(err);
    return new TransferFailure(describe(err), code !== undefined && TRANSIENT_CODES.has(code), {
      cause: err,
    });
  };
  arm();
  try {
    let res: Response;
    try {
      const headers: Record<string, string> = { 'user-agent': USER_AGENT };
      if (opts.ifNoneMatch !== undefined) headers['if-none-match'] = opts.ifNoneMatch;
      if (opts.ifModifiedSince !== undefined) headers['if-modified-since'] = opts.ifModifiedSince;
      if (opts.offset > 0) headers.range = `bytes=${opts.offset}-`;
      res = await fetch(url, { signal, headers, redirect: 'follow' });
    } catch (err) {
      throw failure(err);
    }
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    const conditional = opts.ifNoneMatch !== undefined || opts.ifModifiedSince !== undefined;
    if (res.status === 304 && conditional) {
      await res.body?.cancel().catch(() => {});
      return {
        notModified: true,
        etag: etag ?? opts.ifNoneMatch,
        lastModified: lastModified ?? opts.ifModifiedSince,
      };
    }
    const resumed = res.status === 206 && opts.offset > 0;
    if (res.status !== 200 && !resumed) {
      await res.body?.cancel().catch(() => {});
      // 5xx, 408 and 429 are the server's temporary troubles; 404 and the rest are final.
      const transient = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new TransferFailure(`HTTP ${res.status} ${res.statusText}`.trim(), transient, {
        status: res.status,
      });
    }
    // Content-Length is the encoded size; only meaningful when the body is not re-encoded.
    const length = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
    const expected = length === null ? undefined : Number(length);
    const whole = expected === undefined ? undefined : expected + (resumed ? opts.offset : 0);
    if (opts.refuseAnnounced && opts.maxBytes !== undefined && whole !== undefined && whole > opts.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(opts, whole);
    }
    opts.onLength?.(whole);
    await sink.begin(resumed);
    let got = 0;
    try {
      if (res.body !== null) {
        for await (const chunk of res.body) {
          arm();
          got += chunk.byteLength;
          await sink.take(chunk);
        }
      }
    } catch (err) {
      throw failure(err);
    }
    if (expected !== undefined && got !== expected) {
      throw new TransferFailure(`body ended after ${got} of ${expected} bytes`, true);
    }
    return { notModified: false, etag, lastModified };
  } finally {
    clearTimeout(timer);
  }
}
