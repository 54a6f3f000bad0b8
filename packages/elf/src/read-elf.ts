import { readSync } from 'node:fs';
import { ElfError } from './elf-error.js';
import { ElfReader, type ElfSource } from './elf-reader.js';

export type { ElfSource };

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
  const ident = src.read(0, Math.min(64, src.size));
  if (!isElf(ident)) return undefined;
  if (src.size < 52) throw new ElfError('ELF_TRUNCATED', `${file}: ELF header cut short`, { file });
  const cls = ident[4];
  const data = ident[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ElfError('ELF_BAD_HEADER', `${file}: unknown ELF class ${cls} or data encoding ${data}`, {
      file,
      class: cls,
      data,
    });
  }
  const r = new ElfReader(src, file, ident, cls === 2, data === 1);
  if (r.is64) r.need(0, 64, 'ELF header');
  const type = r.u16(16);
  const machine = r.u16(18);
  const segments = readSegments(r);
  return {
    bits: r.is64 ? 64 : 32,
    isa: MACHINES[machine] ?? `em${machine}`,
    type,
    ...readDynamic(r, segments),
    interpreter: readInterpreter(r, segments),
    buildId: readBuildId(r, segments),
  };
}

interface Segment {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
}

/** The program headers. */
function readSegments(r: ElfReader): Segment[] {
  const { is64 } = r;
  const phoff = r.addr(is64 ? 32 : 28);
  const phentsize = r.u16(is64 ? 54 : 42);
  const phnum = r.u16(is64 ? 56 : 44);
  if (phnum > MAX_PHDRS || (phnum > 0 && phentsize < (is64 ? 56 : 32))) {
    throw new ElfError('ELF_BAD_HEADER', `${r.file}: ${phnum} program headers of ${phentsize} bytes`, {
      file: r.file,
      phnum,
      phentsize,
    });
  }
  const segments: Segment[] = [];
  if (phnum > 0) r.chunk(phoff, (phnum - 1) * phentsize + (is64 ? 56 : 32), 'program headers');
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    segments.push(
      is64
        ? { type: r.u32(at), offset: r.addr(at + 8), vaddr: r.addr(at + 16), filesz: r.addr(at + 32) }
        : { type: r.u32(at), offset: r.u32(at + 4), vaddr: r.u32(at + 8), filesz: r.u32(at + 16) },
    );
  }
  return segments;
}

/** PT_INTERP, without its NUL. */
function readInterpreter(r: ElfReader, segments: readonly Segment[]): string | undefined {
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (!interp) return undefined;
  r.need(interp.offset, interp.filesz, 'PT_INTERP');
  const n = Math.min(interp.filesz, 4096);
  return cString(r.src.read(interp.offset, n), 0, n);
}

/** The GNU build-id note, hex. */
function readBuildId(r: ElfReader, segments: readonly Segment[]): string | undefined {
  for (const note of segments.filter((s) => s.type === PT_NOTE)) {
    const bytes = r.chunk(note.offset, Math.min(note.filesz, MAX_NOTES), 'PT_NOTE');
    let at = note.offset;
    const end = note.offset + Math.min(note.filesz, MAX_NOTES);
    while (at + 12 <= end) {
      const namesz = r.u32(at);
      const descsz = r.u32(at + 4);
      const ntype = r.u32(at + 8);
      const nameAt = at + 12;
      const descAt = nameAt + align4(namesz);
      if (descAt + descsz > end) break;
      const rel = (o: number) => o - note.offset;
      if (
        ntype === NT_GNU_BUILD_ID &&
        namesz === 4 &&
        cString(bytes, rel(nameAt), rel(nameAt) + namesz) === 'GNU'
      )
        return Buffer.from(bytes.subarray(rel(descAt), rel(descAt) + descsz)).toString('hex');
      at = descAt + align4(descsz);
    }
  }
  return undefined;
}

/** DT_SONAME, DT_NEEDED, DT_RPATH and DT_RUNPATH, from the dynamic section and its strings. */
function readDynamic(
  r: ElfReader,
  segments: readonly Segment[],
): Pick<ElfInfo, 'soname' | 'needed' | 'rpath' | 'runpath'> {
  const out = {
    soname: undefined as string | undefined,
    needed: [] as string[],
    rpath: [] as string[],
    runpath: [] as string[],
  };
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dyn) return out;
  const entsize = r.is64 ? 16 : 8;
  const count = Math.min(Math.floor(dyn.filesz / entsize), MAX_DYN);
  r.chunk(dyn.offset, count * entsize, 'PT_DYNAMIC');
  const entries: Array<[number, number]> = [];
  let strtab: number | undefined;
  let strsz: number | undefined;
  for (let i = 0; i < count; i++) {
    const at = dyn.offset + i * entsize;
    const tag = r.sword(at);
    const val = r.addr(at + (r.is64 ? 8 : 4));
    if (tag === DT_NULL) break;
    if (tag === DT_STRTAB) strtab = val;
    else if (tag === DT_STRSZ) strsz = val;
    else if (tag === DT_NEEDED || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH)
      entries.push([tag, val]);
  }
  if (entries.length === 0) return out;
  const file = r.file;
  if (strtab === undefined)
    throw new ElfError('ELF_BAD_DYNAMIC', `${file}: dynamic section names strings but has no DT_STRTAB`, {
      file,
    });
  // DT_STRTAB is a virtual address: find the loaded segment holding it to get a file offset.
  const load = segments.find((s) => s.type === PT_LOAD && strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
  if (!load)
    throw new ElfError('ELF_BAD_DYNAMIC', `${file}: DT_STRTAB ${strtab} is in no loaded segment`, {
      file,
      strtab,
    });
  const strOff = load.offset + (strtab - load.vaddr);
  const strEnd = Math.min(
    strsz === undefined ? load.offset + load.filesz : strOff + strsz,
    load.offset + load.filesz,
  );
  r.need(strOff, strEnd - strOff, 'DT_STRTAB');
  const strings = r.src.read(strOff, strEnd - strOff);
  for (const [tag, val] of entries) {
    if (strOff + val >= strEnd) {
      throw new ElfError('ELF_BAD_DYNAMIC', `${file}: dynamic string ${val} past the string table`, {
        file,
        tag,
        offset: val,
      });
    }
    const s = cString(strings, val, strEnd - strOff);
    if (tag === DT_NEEDED) out.needed.push(s);
    else if (tag === DT_SONAME) out.soname = s;
    else if (tag === DT_RPATH) out.rpath = s.split(':').filter(Boolean);
    else out.runpath = s.split(':').filter(Boolean);
  }
  return out;
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
