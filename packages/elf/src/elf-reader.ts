import { ElfError } from './elf-error.js';

/** Random access to an object's bytes, so a reader fetches only what it needs. */
export interface ElfSource {
  readonly size: number;
  /** `length` bytes at `offset`; callers only ask for ranges inside `size`. */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Reads an ELF object's fields in its own class (32/64-bit) and byte order. Reads go through
 * `chunk`: only the headers, notes, dynamic section and its strings are fetched, never the
 * whole object (a 100 MB library costs a few KiB); offsets are checked against the file first.
 */
export class ElfReader {
  #view: DataView;
  #base = 0;

  constructor(
    readonly src: ElfSource,
    readonly file: string,
    ident: Uint8Array,
    readonly is64: boolean,
    readonly le: boolean,
  ) {
    this.#view = new DataView(ident.buffer, ident.byteOffset, ident.byteLength);
  }

  /** Throws ELF_TRUNCATED unless `length` bytes at `offset` are inside the file. */
  need(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.src.size) {
      throw new ElfError('ELF_TRUNCATED', `${this.file}: ${what} at offset ${offset} lies outside the file`, {
        file: this.file,
        offset,
        what,
      });
    }
  }

  /** Fetches `length` bytes at `offset`; the number readers below then read inside them. */
  chunk(offset: number, length: number, what: string): Uint8Array {
    this.need(offset, length, what);
    const b = this.src.read(offset, length);
    if (b.length < length)
      throw new ElfError('ELF_TRUNCATED', `${this.file}: ${what} cut short`, {
        file: this.file,
        offset,
        what,
      });
    this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.#base = offset;
    return b;
  }

  u16(o: number): number {
    return this.#view.getUint16(o - this.#base, this.le);
  }
  u32(o: number): number {
    return this.#view.getUint32(o - this.#base, this.le);
  }
  /** A signed word: a dynamic entry's tag. */
  sword(o: number): number {
    return this.is64
      ? Number(this.#view.getBigInt64(o - this.#base, this.le))
      : this.#view.getInt32(o - this.#base, this.le);
  }
  /** An address or size, clamped to a safe integer (a hostile 64-bit value cannot wrap). */
  addr(o: number): number {
    if (!this.is64) return this.u32(o);
    const v = this.#view.getBigUint64(o - this.#base, this.le);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
}
