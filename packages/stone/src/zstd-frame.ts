/**
 * Walks the structure of a zstd payload (RFC 8878 §3.1) over its stored bytes, without
 * decompressing: the frame header, then each block header, skipping the block bodies. It runs
 * before the decoder sees a byte, so it can refuse what the decoder would otherwise act on:
 *
 * - a window larger than `maxWindow`: a decoder allocates the declared window (a single-segment
 *   frame's window is its whole content size) before producing anything; a 75 KB stone whose
 *   frame declared 2 GiB took 2.2 GB of memory;
 * - bytes after the frame: `node:zlib` stops at the end of the first frame and ignores the rest
 *   (a second frame, or garbage), which `zstd -d` refuses. A stone payload is one frame.
 * - a frame content size other than the payload header's plain size;
 * - a frame the decoder cannot take (dictionary, reserved bits, skippable frame, wrong magic).
 *
 * It keeps a few bytes of state, so it can be fed a stream in chunks of any size.
 */

/** What is wrong, for the caller to turn into its own error. */
export type ZstdFrameProblem =
  | { readonly kind: 'malformed'; readonly message: string; readonly offset: number }
  | { readonly kind: 'window'; readonly window: number; readonly limit: number; readonly offset: number }
  | { readonly kind: 'content-size'; readonly declared: number; readonly expected: number }
  | { readonly kind: 'trailing'; readonly offset: number; readonly bytes: number }
  | { readonly kind: 'truncated'; readonly offset: number };

export class ZstdFrameError extends Error {
  constructor(readonly problem: ZstdFrameProblem) {
    super(describeProblem(problem));
  }
}

const MiB = 1024 * 1024;
const size = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB` : `${n} bytes`);

function describeProblem(p: ZstdFrameProblem): string {
  switch (p.kind) {
    case 'malformed':
      return `zstd frame at stored offset ${p.offset}: ${p.message}`;
    case 'window':
      return `the zstd frame needs a ${size(p.window)} decoding window, over the ${size(p.limit)} this reader allows`;
    case 'content-size':
      return `the zstd frame declares ${p.declared} bytes of content, the payload header ${p.expected}`;
    case 'trailing':
      return `${p.bytes} stored bytes follow the zstd frame (at stored offset ${p.offset}); a payload is one frame`;
    case 'truncated':
      return `the zstd frame ends early, at stored offset ${p.offset}`;
  }
}

const MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

/** Window size (RFC 8878 §3.1.1.1.2) and content size of a frame header, or why it is unusable. */
export interface ZstdFrameHeader {
  /** Bytes the header takes, magic included. */
  readonly length: number;
  readonly window: number;
  readonly contentSize: number | undefined;
  readonly checksum: boolean;
}

/** Bytes a frame header needs, given its first 5 bytes (magic and descriptor). */
function headerLength(fhd: number): number {
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const fcsBytes = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
  return 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + fcsBytes;
}

function malformed(message: string, offset: number): never {
  throw new ZstdFrameError({ kind: 'malformed', message, offset });
}

/** The magic and the descriptor's reserved bit, from the first 5 bytes. */
function checkStart(h: ArrayLike<number>, at: number): void {
  const magic = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
  if (magic !== MAGIC) {
    const hex = magic.toString(16).padStart(8, '0');
    malformed(
      (magic & 0xfffffff0) === 0x184d2a50
        ? `a skippable frame (magic ${hex}); stone payloads hold one zstd frame`
        : `bad magic ${hex} (expected fd2fb528)`,
      at,
    );
  }
  if (h[4]! & 0x08) malformed('the reserved bit of the frame header is set', at);
}

function parseHeader(h: Uint8Array, at: number): ZstdFrameHeader {
  checkStart(h, at);
  const fhd = h[4]!;
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  let pos = 5;
  let window = 0;
  if (!single) {
    const wd = h[pos++]!;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  let dict = 0;
  for (let i = 0; i < dictBytes; i++) dict += h[pos + i]! * 2 ** (8 * i);
  pos += dictBytes;
  if (dict !== 0) malformed(`the frame needs dictionary ${dict}; stones use none`, at);
  const fcsBytes = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
  let contentSize: number | undefined;
  if (fcsBytes > 0) {
    contentSize = 0;
    for (let i = 0; i < fcsBytes; i++) contentSize += h[pos + i]! * 2 ** (8 * i);
    if (fcsBytes === 2) contentSize += 256;
  }
  if (single) window = contentSize!;
  return { length: pos + fcsBytes, window, contentSize, checksum: ((fhd >> 2) & 1) === 1 };
}

export interface ZstdFrameLimits {
  /** Largest window accepted, in bytes. */
  readonly maxWindow: number;
  /** The payload header's plain size: a frame content size must equal it. */
  readonly contentSize: number;
}

/**
 * Feed it the stored bytes in order (`push`), then `end()`. Throws a ZstdFrameError at the
 * first problem, before the bytes that carry it would reach a decoder.
 */
export class ZstdFrameScanner {
  private offset = 0;
  /** Bytes of a header being collected (frame header or block header). */
  private pending: number[] = [];
  private state: 'frame-header' | 'block-header' | 'block-body' | 'checksum' | 'done' = 'frame-header';
  /** Bytes still to skip in the current block body or checksum. */
  private skip = 0;
  private need = 5;
  private frame: ZstdFrameHeader | undefined;
  private lastBlock = false;

  constructor(private readonly limits: ZstdFrameLimits) {}

  push(chunk: Uint8Array): void {
    const n = this.take(chunk);
    if (n < chunk.length) {
      throw new ZstdFrameError({ kind: 'trailing', offset: this.offset, bytes: chunk.length - n });
    }
  }

  /** Consumes the bytes of `chunk` up to the end of the frame; returns how many that was. */
  take(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length && this.state !== 'done') {
      if (this.state === 'block-body' || this.state === 'checksum') {
        const n = Math.min(this.skip, chunk.length - i);
        i += n;
        this.offset += n;
        this.skip -= n;
        if (this.skip === 0) this.afterBody();
        continue;
      }
      this.pending.push(chunk[i]!);
      i++;
      this.offset++;
      if (this.pending.length < this.need) continue;
      if (this.state === 'frame-header') this.onFrameHeaderBytes();
      else this.onBlockHeader();
    }
    return i;
  }

  /** True once the frame's last block (and checksum) has been read. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** The stored bytes are all there: the frame must be complete. */
  end(): void {
    if (this.state !== 'done') throw new ZstdFrameError({ kind: 'truncated', offset: this.offset });
  }

  private onFrameHeaderBytes(): void {
    const start = this.offset - this.pending.length;
    if (this.need === 5) {
      // Magic and descriptor are in: refuse what is not a frame before waiting for more bytes,
      // and learn how long the rest of the header is.
      checkStart(this.pending, start);
      this.need = headerLength(this.pending[4]!);
      if (this.pending.length < this.need) return;
    }
    const h = parseHeader(Uint8Array.from(this.pending), start);
    if (h.window > this.limits.maxWindow) {
      throw new ZstdFrameError({
        kind: 'window',
        window: h.window,
        limit: this.limits.maxWindow,
        offset: start,
      });
    }
    if (h.contentSize !== undefined && h.contentSize !== this.limits.contentSize) {
      throw new ZstdFrameError({
        kind: 'content-size',
        declared: h.contentSize,
        expected: this.limits.contentSize,
      });
    }
    this.frame = h;
    this.startBlockHeader();
  }

  private startBlockHeader(): void {
    this.pending = [];
    this.need = 3;
    this.state = 'block-header';
  }

  private onBlockHeader(): void {
    const [b0, b1, b2] = this.pending as [number, number, number];
    const at = this.offset - 3;
    const header = b0 | (b1 << 8) | (b2 << 16);
    this.lastBlock = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const blockSize = header >>> 3;
    const max = Math.min(this.frame!.window, BLOCK_MAX);
    if (type === 3)
      throw new ZstdFrameError({ kind: 'malformed', message: 'reserved block type', offset: at });
    if (blockSize > max) {
      throw new ZstdFrameError({
        kind: 'malformed',
        message: `block of ${blockSize} bytes, over the ${max}-byte block limit of this frame`,
        offset: at,
      });
    }
    this.pending = [];
    // An RLE block stores one byte however much it regenerates.
    this.skip = type === 1 ? 1 : blockSize;
    this.state = 'block-body';
    if (this.skip === 0) this.afterBody();
  }

  private afterBody(): void {
    if (this.state === 'checksum') {
      this.state = 'done';
      return;
    }
    if (!this.lastBlock) {
      this.startBlockHeader();
      return;
    }
    if (this.frame!.checksum) {
      this.state = 'checksum';
      this.skip = 4;
      return;
    }
    this.state = 'done';
  }
}

/** Scans a whole stored payload at once. */
export function scanZstdFrame(stored: Uint8Array, limits: ZstdFrameLimits): void {
  const s = new ZstdFrameScanner(limits);
  s.push(stored);
  s.end();
}

/** The windowLogMax to give a decoder for a window limit: the smallest power of two that holds it. */
export function windowLogFor(maxWindow: number): number {
  return Math.min(31, Math.max(10, Math.ceil(Math.log2(maxWindow))));
}
