import { ByteCursor, ByteWriter, type CursorContext } from './byte-cursor.js';
import { LAYOUT_TYPES } from './constants.js';
import { bytesToHex, hexToBytes } from './hash.js';

interface LayoutCommon {
  readonly uid: number;
  readonly gid: number;
  /** Full `st_mode`, including the file-type bits (0o100644, 0o120777, 0o040755 ...). */
  readonly mode: number;
  readonly tag: number;
  /** Path relative to `/usr`, without a leading slash: `share/doc/x` is `/usr/share/doc/x`. */
  readonly target: string;
}

/** One entry of a package's layout: where a file, symlink or directory goes under `/usr`. */
export type LayoutEntry = LayoutCommon &
  (
    | { readonly type: 'regular' /** XXH3-128 of the content, 32 hex digits */; readonly hash: string }
    | { readonly type: 'symlink' /** the link text */; readonly source: string }
    | { readonly type: 'directory' }
    | { readonly type: 'char-device' | 'block-device' | 'fifo' | 'socket' }
  );

/** How one layout record was stored (for byte-exact round trips and `inspect --json`). */
export interface LayoutRaw {
  readonly sourceLength: number;
  readonly targetLength: number;
  readonly targetNulTerminated: boolean;
  readonly sourceNulTerminated?: boolean;
}

const FIXED = 32;
const encoder = new TextEncoder();

/**
 * The records of a Layout payload one at a time, each with how it was stored. Nothing is kept,
 * so a caller that only counts or looks at some of them holds one record at a time.
 */
export function* layoutRecords(
  bytes: Uint8Array,
  count: number,
  ctx: CursorContext,
): Generator<{ entry: LayoutEntry; raw: LayoutRaw }, void, undefined> {
  const c: ByteCursor = new ByteCursor(bytes, ctx);
  if (count * FIXED > bytes.length) c.fail(`num_records ${count} cannot fit in ${bytes.length} bytes`);
  for (let i = 0; i < count; i++) {
    c.record = i;
    const uid = c.u32();
    const gid = c.u32();
    const mode = c.u32();
    const tag = c.u32();
    const sourceLength = c.u16();
    const targetLength = c.u16();
    const fileType = c.u8();
    c.skip(11, 'padding');
    const type = LAYOUT_TYPES[fileType - 1];
    if (type === undefined) c.fail(`unknown layout file type ${fileType}`);
    const source = c.take(sourceLength, 'source');
    const t = c.string(c.take(targetLength, 'target'), 'target');
    if (t.value.length === 0) c.fail('empty target path');
    const common = { uid, gid, mode, tag, target: t.value };
    if (type === 'regular') {
      if (sourceLength !== 16) c.fail(`regular entry source is ${sourceLength} bytes, not a 16-byte hash`);
      yield {
        entry: { ...common, type, hash: bytesToHex(source) },
        raw: { sourceLength, targetLength, targetNulTerminated: t.nul },
      };
    } else if (type === 'symlink') {
      const s = c.string(source, 'symlink source');
      yield {
        entry: { ...common, type, source: s.value },
        raw: { sourceLength, targetLength, targetNulTerminated: t.nul, sourceNulTerminated: s.nul },
      };
    } else {
      yield { entry: { ...common, type }, raw: { sourceLength, targetLength, targetNulTerminated: t.nul } };
    }
  }
  c.record = -1;
  if (c.remaining !== 0) c.fail(`${c.remaining} bytes follow the last of ${count} records`);
}

export function decodeLayoutPayload(
  bytes: Uint8Array,
  count: number,
  ctx: CursorContext,
): { entries: LayoutEntry[]; raw: LayoutRaw[] } {
  const entries: LayoutEntry[] = [];
  const raw: LayoutRaw[] = [];
  for (const r of layoutRecords(bytes, count, ctx)) {
    entries.push(r.entry);
    raw.push(r.raw);
  }
  return { entries, raw };
}

/** Encodes in the current writer's style: no NUL terminators on strings. */
export function encodeLayoutPayload(entries: readonly LayoutEntry[]): Uint8Array {
  const w = new ByteWriter();
  for (const e of entries) {
    const target = encoder.encode(e.target);
    const source =
      e.type === 'regular'
        ? hexToBytes(e.hash)
        : e.type === 'symlink'
          ? encoder.encode(e.source)
          : new Uint8Array(0);
    w.u32(e.uid);
    w.u32(e.gid);
    w.u32(e.mode);
    w.u32(e.tag);
    w.u16(source.length);
    w.u16(target.length);
    w.u8(LAYOUT_TYPES.indexOf(e.type) + 1);
    w.zeros(11);
    w.bytes(source);
    w.bytes(target);
  }
  return w.finish();
}
