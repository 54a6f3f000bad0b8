import { ByteCursor, ByteWriter, type CursorContext } from './byte-cursor.js';
import { bytesToHex, hexToBytes } from './hash.js';

/** One unique file content: its slice of the decompressed Content payload and its XXH3-128. */
export interface IndexEntry {
  readonly start: number;
  readonly end: number;
  /** XXH3-128, 32 lower-case hex digits */
  readonly digest: string;
}

const RECORD = 32;

/** The records of an Index payload one at a time. */
export function* indexRecords(
  bytes: Uint8Array,
  count: number,
  ctx: CursorContext,
): Generator<IndexEntry, void, undefined> {
  const c: ByteCursor = new ByteCursor(bytes, ctx);
  if (count * RECORD > bytes.length) c.fail(`num_records ${count} cannot fit in ${bytes.length} bytes`);
  for (let i = 0; i < count; i++) {
    c.record = i;
    const start = c.u64Number('start');
    const end = c.u64Number('end');
    if (end < start) c.fail(`end ${end} is before start ${start}`);
    yield { start, end, digest: bytesToHex(c.take(16, 'digest')) };
  }
  c.record = -1;
  if (c.remaining !== 0) c.fail(`${c.remaining} bytes follow the last of ${count} records`);
}

export function decodeIndexPayload(bytes: Uint8Array, count: number, ctx: CursorContext): IndexEntry[] {
  return [...indexRecords(bytes, count, ctx)];
}

export function encodeIndexPayload(entries: readonly IndexEntry[]): Uint8Array {
  const w = new ByteWriter();
  for (const e of entries) {
    w.u64(e.start);
    w.u64(e.end);
    w.bytes(hexToBytes(e.digest));
  }
  return w.finish();
}
