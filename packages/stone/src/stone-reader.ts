import { createHash } from 'node:crypto';
import { PassThrough, pipeline, Transform } from 'node:stream';
import { type Attribute, attributeRecords } from './attributes-payload.js';
import { type ByteSource, bytesSource, fileSource } from './byte-source.js';
import {
  Compression,
  HEADER_SIZE,
  PAYLOAD_HEADER_SIZE,
  PAYLOAD_KIND_NAMES,
  PayloadKind,
} from './constants.js';
import { createXxh3_64, createXxh3_128, xxh3_64 } from './hash.js';
import { decodePayloadHeader, decodeStoneHeader, type PayloadHeader, type StoneHeader } from './header.js';
import { type IndexEntry, indexRecords } from './index-payload.js';
import { type LayoutEntry, type LayoutRaw, layoutRecords } from './layout-payload.js';
import { type MetaRecord, metaRecordsOf } from './meta-payload.js';
import { metaFromRecords, type PackageMeta } from './package-meta.js';
import { recordMemory } from './record-memory.js';
import { StoneError, type StoneErrorCode } from './stone-error.js';
import { createZstdDecompressStream, zstdDecompress } from './zstd.js';
import { scanZstdFrame, ZstdFrameError, ZstdFrameScanner } from './zstd-frame.js';

/** A payload's header plus where it sits in the file. */
export interface PayloadInfo extends PayloadHeader {
  readonly index: number;
  readonly headerOffset: number;
  readonly bodyOffset: number;
}

export interface OpenStoneOptions {
  /**
   * Upper bound on the decompressed (and the stored) size of a Meta, Layout, Index or
   * Attributes payload, which are decoded in memory. The default, 512 MiB, is ~15× the layout
   * of a whole 320k-file distribution; a larger claim is refused before anything is allocated.
   */
  readonly maxRecordPayloadSize?: number;
  /**
   * Upper bound on the memory the records of one call take once decoded (`layout()` over every
   * Layout payload, `metas()` over every Meta payload ...), estimated from each payload
   * header's record count and plain size before anything is read (record-memory.ts). The
   * default, 256 MiB, is twice what the layout of the whole 320,910-file distribution would
   * take as one package. Streaming calls (`layoutEntries()`, `verify()`) hold one payload's
   * bytes and one record at a time but check each payload against it too: no real payload
   * comes near it, and a record-count bomb is refused before it is decompressed.
   */
  readonly maxRecordMemory?: number;
  /**
   * Largest zstd window a payload may declare. A decoder allocates the declared window before
   * producing anything, and a single-segment frame's window is its whole content size, so
   * this is the memory a hostile frame can make decoding take. The default, 512 MiB, is 64×
   * the 8 MiB our writer uses at its default level 18 and 3.2× the 160 MiB window of the
   * largest content payload measured from the original writer (which asks for windowLog 31,
   * so its window is the content size); a stone over it is refused with
   * STONE_WINDOW_TOO_LARGE. At most 2 GiB (zstd's windowLog 31).
   */
  readonly maxZstdWindow?: number;
}

/** The limits a reader applies, with the defaults filled in. */
export interface StoneLimits {
  readonly maxRecordPayloadSize: number;
  readonly maxRecordMemory: number;
  readonly maxZstdWindow: number;
}

/** Receives the unique file contents of a package, each verified against its XXH3-128. */
export interface ContentSink {
  /** Called for each index entry in content order; return undefined to skip its bytes. */
  file(entry: IndexEntry): ContentFileSink | undefined | Promise<ContentFileSink | undefined>;
}

export interface UnpackOptions {
  /** Default true. When false, a content whose hash differs is committed with the hash it has. */
  readonly verify?: boolean;
  /** Sees every decompressed byte of the content payload, in order (for whole-payload digests). */
  readonly onChunk?: (chunk: Uint8Array) => void;
}

export interface ContentFileSink {
  write(chunk: Uint8Array): void | Promise<void>;
  /** The bytes written hash to `digest` (the entry's digest, unless verification is off). */
  commit(digest: string): void | Promise<void>;
  /** The content did not verify, or reading failed; discard what was written. */
  abort(error: unknown): void | Promise<void>;
}

/** Content payloads up to these sizes (stored and plain) are decoded in one piece, not streamed. */
const WHOLE_CONTENT_STORED = 1 << 20;
const WHOLE_CONTENT_PLAIN = 4 << 20;
const MiB = 1024 * 1024;
const DEFAULT_LIMITS: StoneLimits = {
  maxRecordPayloadSize: 512 * MiB,
  maxRecordMemory: 256 * MiB,
  maxZstdWindow: 512 * MiB,
};
const WINDOW_CEILING = 2048 * MiB;

const mib = (n: number) => `${(n / MiB).toFixed(n >= 10 * MiB ? 0 : 1)} MiB`;

/**
 * A stone file opened for reading. Opening walks the payload headers only (32 bytes each);
 * payloads are read, checksum-verified and decoded when first asked for, and the content
 * payload is only ever streamed.
 */
export class StoneReader {
  readonly header: StoneHeader;
  readonly payloads: readonly PayloadInfo[];
  readonly limits: StoneLimits;
  private readonly source: ByteSource;
  private readonly cache = new Map<number, Promise<unknown>>();

  private constructor(
    source: ByteSource,
    header: StoneHeader,
    payloads: PayloadInfo[],
    opts: OpenStoneOptions,
  ) {
    this.source = source;
    this.header = header;
    this.payloads = payloads;
    this.limits = {
      maxRecordPayloadSize: opts.maxRecordPayloadSize ?? DEFAULT_LIMITS.maxRecordPayloadSize,
      maxRecordMemory: opts.maxRecordMemory ?? DEFAULT_LIMITS.maxRecordMemory,
      maxZstdWindow: Math.min(WINDOW_CEILING, opts.maxZstdWindow ?? DEFAULT_LIMITS.maxZstdWindow),
    };
  }

  /** Opens a stone file. Close it when done. */
  static async open(path: string, opts: OpenStoneOptions = {}): Promise<StoneReader> {
    const source = await fileSource(path);
    try {
      return await StoneReader.fromSource(source, opts);
    } catch (err) {
      await source.close();
      throw err;
    }
  }

  /** Reads a stone held in memory (a downloaded index, a test buffer). */
  static async fromBytes(
    bytes: Uint8Array,
    name = '<memory>',
    opts: OpenStoneOptions = {},
  ): Promise<StoneReader> {
    return StoneReader.fromSource(bytesSource(bytes, name), opts);
  }

  static async fromSource(source: ByteSource, opts: OpenStoneOptions = {}): Promise<StoneReader> {
    const file = source.name;
    if (source.size < HEADER_SIZE) {
      throw new StoneError(
        'STONE_TRUNCATED',
        file,
        `${source.size} bytes is shorter than the 32-byte header`,
        {
          offset: source.size,
        },
      );
    }
    const header = decodeStoneHeader(await source.read(0, HEADER_SIZE), file);
    const payloads: PayloadInfo[] = [];
    let offset = HEADER_SIZE;
    for (let i = 0; i < header.numPayloads; i++) {
      if (offset + PAYLOAD_HEADER_SIZE > source.size) {
        throw new StoneError(
          'STONE_TRUNCATED',
          file,
          `file ends at ${source.size}, inside the header of payload #${i} of ${header.numPayloads} (at ${offset})`,
          { offset, payload: i },
        );
      }
      const h = decodePayloadHeader(await source.read(offset, PAYLOAD_HEADER_SIZE), file, offset, i);
      const bodyOffset = offset + PAYLOAD_HEADER_SIZE;
      if (h.storedSize > source.size - bodyOffset) {
        throw new StoneError(
          'STONE_TRUNCATED',
          file,
          `payload #${i} (${PAYLOAD_KIND_NAMES[h.kind]}) claims ${h.storedSize} stored bytes at ${bodyOffset} but the file ends at ${source.size}`,
          { offset: bodyOffset, payload: i },
        );
      }
      payloads.push({ ...h, index: i, headerOffset: offset, bodyOffset });
      offset = bodyOffset + h.storedSize;
    }
    if (offset !== source.size) {
      throw new StoneError(
        'STONE_TRAILING_BYTES',
        file,
        `${source.size - offset} unexpected bytes after the last payload (at ${offset})`,
        {
          offset,
        },
      );
    }
    return new StoneReader(source, header, payloads, opts);
  }

  /** The path or label this stone was opened from. */
  get file(): string {
    return this.source.name;
  }

  /** Size of the whole stone in bytes. */
  get size(): number {
    return this.source.size;
  }

  async close(): Promise<void> {
    await this.source.close();
  }

  /** SHA-256 of the whole file (what a repository index records as its PackageHash). */
  async sha256(): Promise<string> {
    const h = createHash('sha256');
    for await (const chunk of this.source.stream(0, this.source.size)) h.update(chunk as Buffer);
    return h.digest('hex');
  }

  private ofKind(kind: number): PayloadInfo[] {
    return this.payloads.filter((p) => p.kind === kind);
  }

  private label(p: PayloadInfo): string {
    return `${PAYLOAD_KIND_NAMES[p.kind]} payload #${p.index}`;
  }

  private fail(
    code: StoneErrorCode,
    p: PayloadInfo,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ): never {
    throw new StoneError(
      code,
      this.file,
      `${this.label(p)} at ${p.bodyOffset}: ${message}`,
      { payload: p.index, offset: p.bodyOffset, ...details },
      cause,
    );
  }

  private checksumMismatch(p: PayloadInfo, actual: string, cause?: unknown): never {
    this.fail(
      'STONE_CHECKSUM_MISMATCH',
      p,
      `checksum ${actual} does not match the header's ${p.checksum}`,
      { expected: p.checksum, actual },
      cause,
    );
  }

  /** A problem the frame scan found, as the StoneError a caller can act on. */
  private frameError(p: PayloadInfo, err: ZstdFrameError): StoneError {
    const pr = err.problem;
    const code: StoneErrorCode =
      pr.kind === 'window'
        ? 'STONE_WINDOW_TOO_LARGE'
        : pr.kind === 'trailing'
          ? 'STONE_TRAILING_BYTES'
          : pr.kind === 'content-size'
            ? 'STONE_SIZE_MISMATCH'
            : 'STONE_DECOMPRESS_FAILED';
    const details = pr.kind === 'window' ? { window: pr.window, limit: pr.limit } : {};
    try {
      return this.fail(code, p, err.message, details);
    } catch (e) {
      return e as StoneError;
    }
  }

  /**
   * Refuses, before anything is read, records whose decoded form would take more memory than
   * `maxRecordMemory` (see record-memory.ts): `ps` are the payloads one call returns together.
   */
  checkRecordMemory(ps: readonly PayloadInfo[], perRecord?: number): void {
    const limit = this.limits.maxRecordMemory;
    let total = 0;
    for (const p of ps) {
      const own = recordMemory(p, perRecord);
      total += own;
      if (own > limit || total > limit) {
        const what =
          own > limit
            ? `${p.numRecords} records in ${p.plainSize} bytes would take about ${mib(own)} decoded`
            : `together with the ${p.index} payloads before it, its records would take about ${mib(total)} decoded`;
        this.fail('STONE_TOO_LARGE', p, `${what}, over the ${mib(limit)} limit (maxRecordMemory)`, {
          records: p.numRecords,
          estimate: own > limit ? own : total,
          limit,
        });
      }
    }
  }

  /**
   * Reads a record payload's stored bytes, verifies its checksum and the shape of its zstd
   * frame (window, content size, nothing after it), decompresses and size-checks it.
   */
  async plainPayload(p: PayloadInfo): Promise<Uint8Array> {
    if (p.kind === PayloadKind.Content)
      throw new Error('the content payload is streamed; use unpackContent()');
    const cap = this.limits.maxRecordPayloadSize;
    if (p.plainSize > cap || p.storedSize > cap) {
      const [what, n] = p.plainSize > cap ? ['plain', p.plainSize] : ['stored', p.storedSize];
      this.fail('STONE_TOO_LARGE', p, `claims ${n} ${what} bytes, over the ${cap}-byte limit`, {
        offset: p.headerOffset + (what === 'plain' ? 8 : 0),
        limit: cap,
      });
    }
    return this.decodeWhole(p);
  }

  /** A payload read, checksum-verified, decompressed and size-checked in one piece. */
  private async decodeWhole(p: PayloadInfo): Promise<Uint8Array> {
    const stored = await this.source.read(p.bodyOffset, p.storedSize);
    const sum = await xxh3_64(stored);
    if (sum !== p.checksum) this.checksumMismatch(p, sum);
    if (p.compression === Compression.None) {
      if (stored.length !== p.plainSize) {
        this.fail(
          'STONE_SIZE_MISMATCH',
          p,
          `stored uncompressed in ${stored.length} bytes, header says ${p.plainSize}`,
          {
            expected: p.plainSize,
            actual: stored.length,
          },
        );
      }
      return stored;
    }
    const maxWindow = this.limits.maxZstdWindow;
    try {
      scanZstdFrame(stored, { maxWindow, contentSize: p.plainSize });
    } catch (err) {
      if (err instanceof ZstdFrameError) throw this.frameError(p, err);
      throw err;
    }
    let plain: Uint8Array;
    try {
      // One byte of headroom so that a payload longer than declared is seen as such.
      plain = zstdDecompress(stored, p.plainSize + 1, maxWindow);
    } catch (err) {
      this.fail('STONE_DECOMPRESS_FAILED', p, `zstd: ${(err as Error).message}`, {}, err);
    }
    if (plain.length !== p.plainSize) {
      this.fail(
        'STONE_SIZE_MISMATCH',
        p,
        `decompressed to ${plain.length} bytes, header says ${p.plainSize}`,
        {
          expected: p.plainSize,
          actual: plain.length,
        },
      );
    }
    return plain;
  }

  // Promises are cached, so concurrent readers of one payload decode it once.
  private decoded<T>(p: PayloadInfo, decode: (plain: Uint8Array) => T): Promise<T> {
    const hit = this.cache.get(p.index);
    if (hit !== undefined) return hit as Promise<T>;
    const value = this.plainPayload(p).then(decode);
    this.cache.set(p.index, value);
    value.catch(() => this.cache.delete(p.index));
    return value;
  }

  private ctx(p: PayloadInfo) {
    return { file: this.file, what: this.label(p) };
  }

  private metaPayload(p: PayloadInfo): Promise<MetaRecord[]> {
    this.checkRecordMemory([p]);
    return this.decoded(p, (b) => [...metaRecordsOf(b, p.numRecords, this.ctx(p))]);
  }

  private layoutPayload(p: PayloadInfo): Promise<{ entries: LayoutEntry[]; raw: LayoutRaw[] }> {
    this.checkRecordMemory([p]);
    return this.decoded(p, (b) => {
      const entries: LayoutEntry[] = [];
      const raw: LayoutRaw[] = [];
      for (const r of layoutRecords(b, p.numRecords, this.ctx(p))) {
        entries.push(r.entry);
        raw.push(r.raw);
      }
      return { entries, raw };
    });
  }

  /** The records of every Meta payload (one per package in an index or manifest). */
  async metaRecords(): Promise<MetaRecord[][]> {
    const ps = this.ofKind(PayloadKind.Meta);
    this.checkRecordMemory(ps);
    const out: MetaRecord[][] = [];
    for (const p of ps) out.push(await this.metaPayload(p));
    return out;
  }

  /** The package described by the first Meta payload. */
  async meta(): Promise<PackageMeta> {
    const p = this.ofKind(PayloadKind.Meta)[0];
    if (p === undefined) throw new StoneError('STONE_MISSING_CONTENT', this.file, 'no Meta payload', {});
    return metaFromRecords(await this.metaPayload(p), this.file, p.index);
  }

  /** Every package described (a repository index or build manifest has one Meta payload each). */
  async metas(): Promise<PackageMeta[]> {
    const all = await this.metaRecords();
    const metaPayloads = this.ofKind(PayloadKind.Meta);
    return all.map((r, i) => metaFromRecords(r, this.file, metaPayloads[i]!.index));
  }

  /** Layout entries with how each was stored (NUL terminators, raw lengths). */
  async layoutRecords(): Promise<{ entries: LayoutEntry[]; raw: LayoutRaw[] }> {
    const ps = this.ofKind(PayloadKind.Layout);
    this.checkRecordMemory(ps);
    if (ps.length === 1) return this.layoutPayload(ps[0]!);
    const entries: LayoutEntry[] = [];
    const raw: LayoutRaw[] = [];
    // A loop, never push(...records): a spread passes every record as an argument, and the
    // stack overflows above about 125,000 of them (a legitimate 130,000-file package).
    for (const p of ps) {
      const d = await this.layoutPayload(p);
      for (const e of d.entries) entries.push(e);
      for (const r of d.raw) raw.push(r);
    }
    return { entries, raw };
  }

  /** Where each file, directory and symlink of the package goes under `/usr`. */
  async layout(): Promise<LayoutEntry[]> {
    return (await this.layoutRecords()).entries;
  }

  /**
   * The layout entries one at a time, never all in memory: each Layout payload is decoded as
   * it is reached and nothing is kept. For callers that count, filter or show a few.
   */
  async *layoutEntries(): AsyncGenerator<LayoutEntry, void, undefined> {
    for (const p of this.ofKind(PayloadKind.Layout)) {
      this.checkRecordMemory([p]);
      for (const r of layoutRecords(await this.plainPayload(p), p.numRecords, this.ctx(p))) yield r.entry;
    }
  }

  /** One entry per unique file content, in the order the writer chose. */
  async index(): Promise<IndexEntry[]> {
    const ps = this.ofKind(PayloadKind.Index);
    this.checkRecordMemory(ps);
    const out: IndexEntry[] = [];
    for (const p of ps) {
      const entries = await this.decoded(p, (b) => [...indexRecords(b, p.numRecords, this.ctx(p))]);
      if (ps.length === 1) return entries;
      for (const e of entries) out.push(e);
    }
    return out;
  }

  async attributes(): Promise<Attribute[]> {
    const ps = this.ofKind(PayloadKind.Attributes);
    this.checkRecordMemory(ps);
    const out: Attribute[] = [];
    for (const p of ps) {
      const records = await this.decoded(p, (b) => [...attributeRecords(b, p.numRecords, this.ctx(p))]);
      for (const a of records) out.push(a);
    }
    return out;
  }

  /** Decodes every record of the payloads of one kind, one at a time, keeping none. */
  private async checkRecords(kind: number): Promise<void> {
    const decode = {
      [PayloadKind.Meta]: metaRecordsOf,
      [PayloadKind.Layout]: layoutRecords,
      [PayloadKind.Attributes]: attributeRecords,
      [PayloadKind.Index]: indexRecords,
    }[kind]!;
    for (const p of this.ofKind(kind)) {
      this.checkRecordMemory([p]);
      for (const _ of decode(await this.plainPayload(p), p.numRecords, this.ctx(p)));
    }
  }

  /** The content payload (the first, as consumers take it), if the stone has one. */
  get contentPayload(): PayloadInfo | undefined {
    return this.ofKind(PayloadKind.Content)[0];
  }

  /**
   * Checks every payload's stored bytes against its XXH3-64 checksum, the content payload's
   * too, without decompressing anything (the bytes are streamed through the hash). What plain
   * `moss inspect` does; `verify()` decodes and checks everything besides.
   */
  async checkPayloadChecksums(): Promise<{ payloads: number; bytes: number }> {
    let bytes = 0;
    for (const p of this.payloads) {
      const sum = await this.storedChecksum(p);
      if (sum !== p.checksum) this.checksumMismatch(p, sum);
      bytes += p.storedSize;
    }
    return { payloads: this.payloads.length, bytes };
  }

  /** XXH3-64 of a payload's stored bytes, streamed (a content payload can be gigabytes). */
  private async storedChecksum(p: PayloadInfo): Promise<string> {
    const hasher = await createXxh3_64();
    for await (const chunk of this.source.stream(p.bodyOffset, p.storedSize)) hasher.update(chunk as Buffer);
    return hasher.digest('hex');
  }

  /**
   * Streams the decompressed content payload in chunks. The stored bytes pass a frame scan
   * (window, content size, nothing after the frame) before the decoder sees them; at the end
   * the total size is checked against the header and the stored bytes' XXH3-64 against the
   * checksum. Any failure on damaged stored bytes is reported as the checksum mismatch it is.
   */
  async *contentChunks(): AsyncGenerator<Uint8Array> {
    const p = this.contentPayload;
    if (p === undefined) return;
    if (p.storedSize <= WHOLE_CONTENT_STORED && p.plainSize <= WHOLE_CONTENT_PLAIN) {
      // A small payload in one piece, checksum verified before anything is yielded: a stream
      // (file stream, checksum tap, thread-pool decoder, async iteration) per package cost
      // more than its decoding for the transaction benchmark's 20 KB payloads.
      yield await this.decodeWhole(p);
      return;
    }
    const storedHasher = await createXxh3_64();
    const zstd = p.compression === Compression.Zstd;
    const scanner = zstd
      ? new ZstdFrameScanner({ maxWindow: this.limits.maxZstdWindow, contentSize: p.plainSize })
      : undefined;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        storedHasher.update(chunk);
        try {
          scanner?.push(chunk);
        } catch (err) {
          cb(err as Error);
          return;
        }
        cb(null, chunk);
      },
      flush(cb) {
        try {
          scanner?.end();
          cb();
        } catch (err) {
          cb(err as Error);
        }
      },
    });
    // The plain size is the header's claim: it only sizes the decoder's buffers (never above
    // 4 MiB), and the stream is checked against it below.
    const out = zstd ? createZstdDecompressStream(this.limits.maxZstdWindow, p.plainSize) : new PassThrough();
    pipeline(this.source.stream(p.bodyOffset, p.storedSize), tap, out, () => {});
    let total = 0;
    try {
      for await (const chunk of out as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > p.plainSize) {
          out.destroy();
          this.fail(
            'STONE_SIZE_MISMATCH',
            p,
            `decompresses to more than the ${p.plainSize} bytes its header says`,
            {
              expected: p.plainSize,
            },
          );
        }
        yield chunk;
      }
    } catch (err) {
      // The root cause of most failures is damage to the stored bytes: say so when it is.
      const sum = await this.storedChecksum(p);
      if (sum !== p.checksum) this.checksumMismatch(p, sum, err);
      if (err instanceof StoneError) throw err;
      if (err instanceof ZstdFrameError) throw this.frameError(p, err);
      this.fail('STONE_DECOMPRESS_FAILED', p, (err as Error).message, {}, err);
    }
    const sum = storedHasher.digest('hex');
    if (sum !== p.checksum) this.checksumMismatch(p, sum);
    if (total !== p.plainSize) {
      this.fail('STONE_SIZE_MISMATCH', p, `decompressed to ${total} bytes, header says ${p.plainSize}`, {
        expected: p.plainSize,
        actual: total,
      });
    }
  }

  /** The index entries sorted by offset, each checked against the content's bounds. */
  private async slices(): Promise<IndexEntry[]> {
    const entries = await this.index();
    const p = this.contentPayload;
    if (p === undefined) {
      if (entries.length > 0) {
        throw new StoneError(
          'STONE_MISSING_CONTENT',
          this.file,
          `${entries.length} index entries but no Content payload`,
          {},
        );
      }
      return [];
    }
    const sorted = [...entries].sort((a, b) => a.start - b.start || a.end - b.end);
    let prevEnd = 0;
    for (const e of sorted) {
      if (e.end > p.plainSize) {
        throw new StoneError(
          'STONE_INDEX_BOUNDS',
          this.file,
          `index entry ${e.digest} spans ${e.start}..${e.end}, past the ${p.plainSize}-byte content`,
          { digest: e.digest, start: e.start, end: e.end },
        );
      }
      if (e.start < prevEnd) {
        throw new StoneError(
          'STONE_INDEX_BOUNDS',
          this.file,
          `index entry ${e.digest} at ${e.start} overlaps the previous entry (ends ${prevEnd})`,
          {
            digest: e.digest,
            start: e.start,
          },
        );
      }
      prevEnd = e.end;
    }
    return sorted;
  }

  /**
   * Streams every unique file content to `sink`, verifying each one's XXH3-128 before
   * `commit()`. A mismatch aborts that file and throws STONE_CONTENT_HASH_MISMATCH naming the
   * digest and the layout paths that use it. Files committed before a later failure are
   * individually verified, so a store may keep them.
   */
  async unpackContent(sink: ContentSink, opts: UnpackOptions = {}): Promise<void> {
    const verify = opts.verify ?? true;
    const sorted = await this.slices();
    const hasher = await createXxh3_128();
    let i = 0;
    let pos = 0;
    let entry: IndexEntry | undefined;
    let out: ContentFileSink | undefined;

    // Sinks may be synchronous, and then so is everything per file here: a promise (and an
    // await) only where a sink returned one. An async step per file (open, finish) cost a
    // microtask turn and a promise each: 325k files of the transaction benchmark spent more
    // time in promise machinery than in hashing.
    const mismatch = async (done: IndexEntry, digest: string, sinkOut: ContentFileSink | undefined) => {
      const paths: string[] = [];
      for await (const e of this.layoutEntries()) {
        if (e.type === 'regular' && e.hash === done.digest) paths.push(`/usr/${e.target}`);
      }
      const err = new StoneError(
        'STONE_CONTENT_HASH_MISMATCH',
        this.file,
        `content of ${paths.length > 0 ? paths.join(', ') : `index entry ${done.digest}`} hashes to ${digest}, expected ${done.digest} (content bytes ${done.start}..${done.end})`,
        { digest: done.digest, actual: digest, paths, start: done.start, end: done.end },
      );
      if (sinkOut !== undefined) await sinkOut.abort(err);
      throw err;
    };
    const finish = (done: IndexEntry, sinkOut: ContentFileSink | undefined): void | Promise<void> => {
      const digest = hasher.digest('hex');
      if (verify && digest !== done.digest) return mismatch(done, digest, sinkOut);
      if (sinkOut !== undefined) return sinkOut.commit(digest);
    };
    const opened = (next: IndexEntry, sinkOut: ContentFileSink | undefined): void | Promise<void> => {
      // Empty files open and close at once.
      if (next.end === next.start) return finish(next, sinkOut);
      entry = next;
      out = sinkOut;
    };
    // Opens every entry that starts at `pos`.
    const begin = (): void | Promise<void> => {
      while (entry === undefined && i < sorted.length && sorted[i]!.start === pos) {
        const next = sorted[i++]!;
        hasher.init();
        const got = sink.file(next);
        const r = got instanceof Promise ? got.then((s) => opened(next, s)) : opened(next, got);
        if (r !== undefined) return r.then(begin);
      }
    };

    try {
      const b = begin();
      if (b !== undefined) await b;
      for await (const chunk of this.contentChunks()) {
        opts.onChunk?.(chunk);
        let off = 0;
        while (off < chunk.length) {
          if (entry !== undefined) {
            const take = Math.min(chunk.length - off, entry.end - pos);
            const part = chunk.subarray(off, off + take);
            hasher.update(part);
            if (out !== undefined) {
              const w = out.write(part);
              if (w !== undefined) await w;
            }
            pos += take;
            off += take;
            if (pos === entry.end) {
              const done = entry;
              const doneOut = out;
              entry = undefined;
              out = undefined;
              const f = finish(done, doneOut);
              if (f !== undefined) await f;
            }
          } else {
            // Bytes no index entry covers: both writers make the content exactly the files'
            // bytes end to end, and a reader that skipped such bytes would accept a payload
            // swapped for any other that decodes (a Layout payload relabelled as Content).
            const next = i < sorted.length ? sorted[i]!.start : (this.contentPayload?.plainSize ?? pos);
            throw new StoneError(
              'STONE_INDEX_BOUNDS',
              this.file,
              `content bytes ${pos}..${next} belong to no index entry`,
              { offset: pos, end: next },
            );
          }
          if (entry === undefined && i < sorted.length && sorted[i]!.start === pos) {
            const r = begin();
            if (r !== undefined) await r;
          }
        }
      }
    } catch (err) {
      if (out !== undefined) await (out as ContentFileSink).abort(err);
      throw err;
    }
    if (entry !== undefined || i < sorted.length) {
      throw new StoneError(
        'STONE_INDEX_BOUNDS',
        this.file,
        `content ended at ${pos} before every index entry was read`,
        { offset: pos },
      );
    }
  }

  /**
   * Decodes and verifies everything: every payload checksum, decompressed size and record, and
   * every file content against its digest; every regular layout entry must have its content.
   */
  async verify(): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    // Start the content stream first: the thread-pool decoder then works ahead while the main
    // thread decodes the layout and other records (≈ 20% of verify time on an 18k-file package).
    const unpacking = this.unpackContent({
      file(entry) {
        files++;
        bytes += entry.end - entry.start;
        return undefined;
      },
    });
    // Handled below; this keeps an early failure from counting as an unhandled rejection.
    unpacking.catch(() => {});
    try {
      // Records are decoded one payload at a time and dropped: verifying needs them checked,
      // not kept. The index is kept (unpackContent has it anyway) for the layout check.
      await this.checkRecords(PayloadKind.Meta);
      await this.checkRecords(PayloadKind.Attributes);
      const digests = new Set((await this.index()).map((e) => e.digest));
      for await (const e of this.layoutEntries()) {
        if (e.type === 'regular' && !digests.has(e.hash)) {
          throw new StoneError(
            'STONE_MISSING_CONTENT',
            this.file,
            `/usr/${e.target} has content ${e.hash}, which the index does not hold`,
            {
              path: e.target,
              digest: e.hash,
            },
          );
        }
      }
    } catch (err) {
      await unpacking.catch(() => {});
      throw err;
    }
    await unpacking;
    return { files, bytes };
  }
}

/** Opens, uses and closes a stone. */
export async function withStone<T>(
  path: string,
  fn: (stone: StoneReader) => Promise<T>,
  opts?: OpenStoneOptions,
): Promise<T> {
  const stone = await StoneReader.open(path, opts);
  try {
    return await fn(stone);
  } finally {
    await stone.close();
  }
}
