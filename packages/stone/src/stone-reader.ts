import { PassThrough, pipeline, Transform } from 'node:stream';
import { type Attribute, decodeAttributesPayload } from './attributes-payload.js';
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
import { decodeIndexPayload, type IndexEntry } from './index-payload.js';
import { decodeLayoutPayload, type LayoutEntry, type LayoutRaw } from './layout-payload.js';
import { decodeMetaPayload, type MetaRecord } from './meta-payload.js';
import { metaFromRecords, type PackageMeta } from './package-meta.js';
import { StoneError } from './stone-error.js';
import { createZstdDecompressStream, zstdDecompress } from './zstd.js';

/** A payload's header plus where it sits in the file. */
export interface PayloadInfo extends PayloadHeader {
  readonly index: number;
  readonly headerOffset: number;
  readonly bodyOffset: number;
}

export interface OpenStoneOptions {
  /**
   * Upper bound on the decompressed size of a Meta, Layout, Index or Attributes payload, which
   * are decoded in memory. The default, 512 MiB, is ~15× the layout of a whole 320k-file
   * distribution; a larger claim is refused before anything is allocated.
   */
  readonly maxRecordPayloadSize?: number;
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

const DEFAULT_MAX_RECORD_PAYLOAD = 512 * 1024 * 1024;
/** Content payloads up to these sizes (stored and plain) are decoded in one piece, not streamed. */
const WHOLE_CONTENT_STORED = 1 << 20;
const WHOLE_CONTENT_PLAIN = 4 << 20;

/**
 * A stone file opened for reading. Opening walks the payload headers only (32 bytes each);
 * payloads are read, checksum-verified and decoded when first asked for, and the content
 * payload is only ever streamed.
 */
export class StoneReader {
  readonly header: StoneHeader;
  readonly payloads: readonly PayloadInfo[];
  private readonly source: ByteSource;
  private readonly maxRecordPayload: number;
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
    this.maxRecordPayload = opts.maxRecordPayloadSize ?? DEFAULT_MAX_RECORD_PAYLOAD;
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

  private ofKind(kind: number): PayloadInfo[] {
    return this.payloads.filter((p) => p.kind === kind);
  }

  private label(p: PayloadInfo): string {
    return `${PAYLOAD_KIND_NAMES[p.kind]} payload #${p.index}`;
  }

  /** Reads a record payload's stored bytes, verifies its checksum, decompresses and size-checks it. */
  async plainPayload(p: PayloadInfo): Promise<Uint8Array> {
    const file = this.file;
    if (p.kind === PayloadKind.Content)
      throw new Error('the content payload is streamed; use unpackContent()');
    if (p.plainSize > this.maxRecordPayload) {
      throw new StoneError(
        'STONE_TOO_LARGE',
        file,
        `${this.label(p)} claims ${p.plainSize} plain bytes, over the ${this.maxRecordPayload}-byte limit`,
        { payload: p.index, offset: p.headerOffset + 8 },
      );
    }
    return this.decodeWhole(p);
  }

  /** A payload read, checksum-verified, decompressed and size-checked in one piece. */
  private async decodeWhole(p: PayloadInfo): Promise<Uint8Array> {
    const file = this.file;
    const stored = await this.source.read(p.bodyOffset, p.storedSize);
    const sum = await xxh3_64(stored);
    if (sum !== p.checksum) {
      throw new StoneError(
        'STONE_CHECKSUM_MISMATCH',
        file,
        `${this.label(p)} at ${p.bodyOffset}: checksum ${sum} does not match the header's ${p.checksum}`,
        { payload: p.index, offset: p.bodyOffset, expected: p.checksum, actual: sum },
      );
    }
    let plain: Uint8Array;
    if (p.compression === Compression.None) {
      plain = stored;
    } else {
      try {
        // One byte of headroom so that a payload longer than declared is seen as such.
        plain = zstdDecompress(stored, p.plainSize + 1);
      } catch (err) {
        throw new StoneError(
          'STONE_DECOMPRESS_FAILED',
          file,
          `${this.label(p)} at ${p.bodyOffset}: zstd: ${(err as Error).message}`,
          { payload: p.index, offset: p.bodyOffset },
          err,
        );
      }
    }
    if (plain.length !== p.plainSize) {
      throw new StoneError(
        'STONE_SIZE_MISMATCH',
        file,
        `${this.label(p)}: decompressed to ${plain.length} bytes, header says ${p.plainSize}`,
        { payload: p.index, offset: p.bodyOffset, expected: p.plainSize, actual: plain.length },
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

  /** The records of every Meta payload (one per package in an index or manifest). */
  async metaRecords(): Promise<MetaRecord[][]> {
    const out: MetaRecord[][] = [];
    for (const p of this.ofKind(PayloadKind.Meta)) {
      out.push(await this.decoded(p, (b) => decodeMetaPayload(b, p.numRecords, this.ctx(p))));
    }
    return out;
  }

  /** The package described by the first Meta payload. */
  async meta(): Promise<PackageMeta> {
    const p = this.ofKind(PayloadKind.Meta)[0];
    if (p === undefined) throw new StoneError('STONE_MISSING_CONTENT', this.file, 'no Meta payload', {});
    const records = await this.decoded(p, (b) => decodeMetaPayload(b, p.numRecords, this.ctx(p)));
    return metaFromRecords(records, this.file, p.index);
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
    const entries: LayoutEntry[] = [];
    const raw: LayoutRaw[] = [];
    for (const p of ps) {
      const d = await this.decoded(p, (b) => decodeLayoutPayload(b, p.numRecords, this.ctx(p)));
      entries.push(...d.entries);
      raw.push(...d.raw);
    }
    return { entries, raw };
  }

  /** Where each file, directory and symlink of the package goes under `/usr`. */
  async layout(): Promise<LayoutEntry[]> {
    return (await this.layoutRecords()).entries;
  }

  /** One entry per unique file content, in the order the writer chose. */
  async index(): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    for (const p of this.ofKind(PayloadKind.Index)) {
      out.push(...(await this.decoded(p, (b) => decodeIndexPayload(b, p.numRecords, this.ctx(p)))));
    }
    return out;
  }

  async attributes(): Promise<Attribute[]> {
    const out: Attribute[] = [];
    for (const p of this.ofKind(PayloadKind.Attributes)) {
      out.push(...(await this.decoded(p, (b) => decodeAttributesPayload(b, p.numRecords, this.ctx(p)))));
    }
    return out;
  }

  /** The content payload (the first, as consumers take it), if the stone has one. */
  get contentPayload(): PayloadInfo | undefined {
    return this.ofKind(PayloadKind.Content)[0];
  }

  /**
   * Streams the decompressed content payload in chunks. At the end it checks the total size
   * against the header and the stored bytes' XXH3-64 against the checksum. A decoder error is
   * reported as a checksum mismatch when the stored bytes are damaged (the root cause).
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
    const file = this.file;
    const storedHasher = await createXxh3_64();
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        storedHasher.update(chunk);
        cb(null, chunk);
      },
    });
    // The plain size is the header's claim: it only sizes the decoder's buffers (never above
    // 4 MiB), and the stream is checked against it below.
    const out =
      p.compression === Compression.Zstd ? createZstdDecompressStream(p.plainSize) : new PassThrough();
    pipeline(this.source.stream(p.bodyOffset, p.storedSize), tap, out, () => {});
    let total = 0;
    try {
      for await (const chunk of out as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > p.plainSize) {
          out.destroy();
          throw new StoneError(
            'STONE_SIZE_MISMATCH',
            file,
            `${this.label(p)} decompresses to more than the ${p.plainSize} bytes its header says`,
            {
              payload: p.index,
              expected: p.plainSize,
            },
          );
        }
        yield chunk;
      }
    } catch (err) {
      if (err instanceof StoneError) throw err;
      const sum = await xxh3_64(await this.source.read(p.bodyOffset, p.storedSize));
      if (sum !== p.checksum) {
        throw new StoneError(
          'STONE_CHECKSUM_MISMATCH',
          file,
          `${this.label(p)} at ${p.bodyOffset}: checksum ${sum} does not match the header's ${p.checksum}`,
          { payload: p.index, offset: p.bodyOffset, expected: p.checksum, actual: sum },
          err,
        );
      }
      throw new StoneError(
        'STONE_DECOMPRESS_FAILED',
        file,
        `${this.label(p)} at ${p.bodyOffset}: ${(err as Error).message}`,
        { payload: p.index, offset: p.bodyOffset },
        err,
      );
    }
    const sum = storedHasher.digest('hex');
    if (sum !== p.checksum) {
      throw new StoneError(
        'STONE_CHECKSUM_MISMATCH',
        file,
        `${this.label(p)} at ${p.bodyOffset}: checksum ${sum} does not match the header's ${p.checksum}`,
        { payload: p.index, offset: p.bodyOffset, expected: p.checksum, actual: sum },
      );
    }
    if (total !== p.plainSize) {
      throw new StoneError(
        'STONE_SIZE_MISMATCH',
        file,
        `${this.label(p)}: decompressed to ${total} bytes, header says ${p.plainSize}`,
        {
          payload: p.index,
          expected: p.plainSize,
          actual: total,
        },
      );
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
      const paths = (await this.layout())
        .filter((e) => e.type === 'regular' && e.hash === done.digest)
        .map((e) => `/usr/${e.target}`);
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
            const next = i < sorted.length ? sorted[i]!.start : Number.POSITIVE_INFINITY;
            const take = Math.min(chunk.length - off, next - pos);
            pos += take;
            off += take;
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
      await this.metaRecords();
      const layout = await this.layout();
      await this.attributes();
      const index = await this.index();
      const digests = new Set(index.map((e) => e.digest));
      for (const e of layout) {
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
