import { readSync } from 'node:fs';
import { ElfError } from './elf-error.js';

/** What packaging needs to know about an ELF object. */
export interface ElfInfo {
  /** 32 or 64. */
  readonly bits: 32 | 64;
  /** `e_machine` as boulder names it: the `EM_` name lowercased, e.g. `x86_64`, `386`, `aarch64`. */
  readonly isa: string;
  /** ET_EXEC 2, ET_DYN 3, ... */
  readonly type: number;
  /** DT_SONAME, when present. */
  readonly soname: string | undefined;
  /** DT_NEEDED entries in file order. */
  readonly needed: readonly string[];
  /** DT_RPATH split on `:` (empty entries dropped). */
  readonly rpath: readonly string[];
  /** DT_RUNPATH split on `:`. */
  readonly runpath: readonly string[];
  /** PT_INTERP, without its NUL. */
  readonly interpreter: string | undefined;
  /** The GNU build-id note as lower-case hex. */
  readonly buildId: string | undefined;
}

const MACHINES: Readonly<Record<number, string>> = {
  2: 'sparc',
  3: '386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  43: 'sparcv9',
  50: 'ia_64',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
};

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_NOTE = 4;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const NT_GNU_BUILD_ID = 3;
// Real objects have a few dozen program headers and a few hundred dynamic entries; the caps
// only stop a hostile header from making us loop over millions of phantom entries.
const MAX_PHDRS = 4096;
const MAX_DYN = 65536;
const MAX_NOTES = 1 << 16;

/** Random access to an object's bytes, so a reader fetches only what it needs. */
export interface ElfSource {
  readonly size: number;
  /** `length` bytes at `offset`; callers only ask for ranges inside `size`. */
  read(offset: number, length: number): Uint8Array;
}

function bytesSource(bytes: Uint8Array): ElfSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** An `ElfSource` over an open file descriptor (synchronous positioned reads). */
export function fdSource(fd: number, size: number): ElfSource {
  return {
    size,
    read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
  };
}

/** True when `bytes` starts with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46
  );
}

/**
 * Reads the dynamic-linking facts of an ELF object: soname, needed libraries, rpath/runpath,
 * interpreter, machine and build-id. Returns `undefined` for bytes that are not ELF at all;
 * throws `ElfError` (`ELF_TRUNCATED`, `ELF_BAD_HEADER`, `ELF_BAD_DYNAMIC`) when an ELF file's
 * own offsets point outside it. Every offset is checked before it is read.
 */
export function readElf(input: Uint8Array | ElfSource, file = '<bytes>'): ElfInfo | undefined {
  const src: ElfSource = input instanceof Uint8Array ? bytesSource(input) : input;
  const size = src.size;
  const ident = src.read(0, Math.min(64, size));
  if (!isElf(ident)) return undefined;
  if (size < 52) throw new ElfError('ELF_TRUNCATED', `${file}: ELF header cut short`, { file });
  const cls = ident[4];
  const data = ident[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ElfError('ELF_BAD_HEADER', `${file}: unknown ELF class ${cls} or data encoding ${data}`, {
      file,
      class: cls,
      data,
    });
  }
  const is64 = cls === 2;
  const le = data === 1;
  const need = (offset: number, length: number, what: string): void => {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > size) {
      throw new ElfError('ELF_TRUNCATED', `${file}: ${what} at offset ${offset} lies outside the file`, {
        file,
        offset,
        what,
      });
    }
  };
  // Reads go through `chunk`: only the headers, notes, dynamic section and its strings are
  // fetched, never the whole object (a 100 MB library costs a few KiB).
  let view = new DataView(ident.buffer, ident.byteOffset, ident.byteLength);
  let base = 0;
  const chunk = (offset: number, length: number, what: string): Uint8Array => {
    need(offset, length, what);
    const b = src.read(offset, length);
    if (b.length < length)
      throw new ElfError('ELF_TRUNCATED', `${file}: ${what} cut short`, { file, offset, what });
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    base = offset;
    return b;
  };
  const u16 = (o: number) => view.getUint16(o - base, le);
  const u32 = (o: number) => view.getUint32(o - base, le);
  const addr = (o: number): number => {
    if (!is64) return u32(o);
    const v = view.getBigUint64(o - base, le);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  if (is64) need(0, 64, 'ELF header');
  const type = u16(16);
  const machine = u16(18);
  const phoff = addr(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  if (phnum > MAX_PHDRS || (phnum > 0 && phentsize < (is64 ? 56 : 32))) {
    throw new ElfError('ELF_BAD_HEADER', `${file}: ${phnum} program headers of ${phentsize} bytes`, {
      file,
      phnum,
      phentsize,
    });
  }

  interface Segment {
    type: number;
    offset: number;
    vaddr: number;
    filesz: number;
  }
  const segments: Segment[] = [];
  if (phnum > 0) chunk(phoff, (phnum - 1) * phentsize + (is64 ? 56 : 32), 'program headers');
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    segments.push(
      is64
        ? { type: u32(at), offset: addr(at + 8), vaddr: addr(at + 16), filesz: addr(at + 32) }
        : { type: u32(at), offset: u32(at + 4), vaddr: u32(at + 8), filesz: u32(at + 16) },
    );
  }

  let interpreter: string | undefined;
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) {
    need(interp.offset, interp.filesz, 'PT_INTERP');
    interpreter = cString(
      src.read(interp.offset, Math.min(interp.filesz, 4096)),
      0,
      Math.min(interp.filesz, 4096),
    );
  }

  let buildId: string | undefined;
  for (const note of segments.filter((s) => s.type === PT_NOTE)) {
    const bytes = chunk(note.offset, Math.min(note.filesz, MAX_NOTES), 'PT_NOTE');
    let at = note.offset;
    const end = note.offset + Math.min(note.filesz, MAX_NOTES);
    while (at + 12 <= end && buildId === undefined) {
      const namesz = u32(at);
      const descsz = u32(at + 4);
      const ntype = u32(at + 8);
      const nameAt = at + 12;
      const descAt = nameAt + align4(namesz);
      if (descAt + descsz > end) break;
      if (
        ntype === NT_GNU_BUILD_ID &&
        namesz === 4 &&
        cString(bytes, nameAt - base, nameAt - base + namesz) === 'GNU'
      ) {
        buildId = Buffer.from(bytes.subarray(descAt - base, descAt - base + descsz)).toString('hex');
      }
      at = descAt + align4(descsz);
    }
  }

  const needed: string[] = [];
  let soname: string | undefined;
  let rpath: string[] = [];
  let runpath: string[] = [];
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (dyn) {
    const entsize = is64 ? 16 : 8;
    const count = Math.min(Math.floor(dyn.filesz / entsize), MAX_DYN);
    chunk(dyn.offset, count * entsize, 'PT_DYNAMIC');
    const entries: Array<[number, number]> = [];
    let strtab: number | undefined;
    let strsz: number | undefined;
    for (let i = 0; i < count; i++) {
      const at = dyn.offset + i * entsize;
      const tag = is64 ? Number(view.getBigInt64(at - base, le)) : view.getInt32(at - base, le);
      const val = addr(at + (is64 ? 8 : 4));
      if (tag === DT_NULL) break;
      if (tag === DT_STRTAB) strtab = val;
      else if (tag === DT_STRSZ) strsz = val;
      else if (tag === DT_NEEDED || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH)
        entries.push([tag, val]);
    }
    if (entries.length > 0) {
      if (strtab === undefined) {
        throw new ElfError('ELF_BAD_DYNAMIC', `${file}: dynamic section names strings but has no DT_STRTAB`, {
          file,
        });
      }
      // DT_STRTAB is a virtual address: find the loaded segment holding it to get a file offset.
      const load = segments.find(
        (s) => s.type === PT_LOAD && strtab >= s.vaddr && strtab < s.vaddr + s.filesz,
      );
      if (!load) {
        throw new ElfError('ELF_BAD_DYNAMIC', `${file}: DT_STRTAB ${strtab} is in no loaded segment`, {
          file,
          strtab,
        });
      }
      const strOff = load.offset + (strtab - load.vaddr);
      const strEnd = Math.min(
        strsz === undefined ? load.offset + load.filesz : strOff + strsz,
        load.offset + load.filesz,
      );
      need(strOff, strEnd - strOff, 'DT_STRTAB');
      const strings = src.read(strOff, strEnd - strOff);
      for (const [tag, val] of entries) {
        if (strOff + val >= strEnd) {
          throw new ElfError('ELF_BAD_DYNAMIC', `${file}: dynamic string ${val} past the string table`, {
            file,
            tag,
            offset: val,
          });
        }
        const s = cString(strings, val, strEnd - strOff);
        if (tag === DT_NEEDED) needed.push(s);
        else if (tag === DT_SONAME) soname = s;
        else if (tag === DT_RPATH) rpath = s.split(':').filter(Boolean);
        else runpath = s.split(':').filter(Boolean);
      }
    }
  }

  return {
    bits: is64 ? 64 : 32,
    isa: MACHINES[machine] ?? `em${machine}`,
    type,
    soname,
    needed,
    rpath,
    runpath,
    interpreter,
    buildId,
  };
}

function align4(n: number): number {
  // Arithmetic, not `& ~3`: sizes above 2^31 would turn negative as 32-bit ints.
  return Math.ceil(n / 4) * 4;
}

function cString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  return Buffer.from(bytes.subarray(start, stop)).toString('utf8');
}
