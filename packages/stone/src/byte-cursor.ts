import { StoneError } from './stone-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Where a cursor's bytes come from, for error messages. */
export interface CursorContext {
  readonly file: string;
  /** e.g. `Layout payload #1` */
  readonly what: string;
  /** Offset in the file of byte 0 of this buffer, when the buffer is stored bytes; else undefined. */
  readonly fileOffset?: number;
}

/**
 * A bounds-checked big-endian reader over one decompressed payload. Every read past the end
 * becomes a typed STONE_BAD_RECORD naming the payload, the record and the offset, never a raw
 * RangeError from a DataView.
 */
export class ByteCursor {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  record = -1;

  constructor(
    bytes: Uint8Array,
    readonly ctx: CursorContext,
  ) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  fail(message: string, code: 'STONE_BAD_RECORD' | 'STONE_BAD_UTF8' = 'STONE_BAD_RECORD'): never {
    const where = this.record >= 0 ? `, record ${this.record}` : '';
    throw new StoneError(
      code,
      this.ctx.file,
      `${this.ctx.what}${where} at plain offset ${this.pos}: ${message}`,
      {
        payload: this.ctx.what,
        record: this.record,
        offset: this.pos,
      },
    );
  }

  need(n: number, what: string): void {
    if (n > this.remaining) this.fail(`${what} needs ${n} bytes but only ${this.remaining} remain`);
  }

  u8(): number {
    this.need(1, 'u8');
    return this.bytes[this.pos++]!;
  }
  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  /** A u64 that must fit a JS number (sizes and offsets); larger is a typed error. */
  u64Number(what: string): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} is beyond 2^53`);
    return Number(v);
  }
  i8(): number {
    this.need(1, 'i8');
    return this.view.getInt8(this.pos++);
  }
  i16(): number {
    this.need(2, 'i16');
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4, 'i32');
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8, 'i64');
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** Decodes UTF-8 after stripping all trailing NULs; reports whether any were present. */
  string(bytes: Uint8Array, what: string): { value: string; nul: boolean } {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    try {
      return { value: utf8.decode(bytes.subarray(0, end)), nul: end < bytes.length };
    } catch {
      return this.fail(`${what} is not valid UTF-8`, 'STONE_BAD_UTF8');
    }
  }
}

/** A growable big-endian writer for encoding payloads. */
export class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }
  u64(v: bigint | number): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(v));
    this.length += 8;
  }
  i8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  i16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.length, v);
    this.length += 2;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.length, v);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
