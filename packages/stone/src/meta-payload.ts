import { ByteCursor, ByteWriter, type CursorContext } from './byte-cursor.js';
import { DEPENDENCY_KINDS, INTEGER_WIDTH, META_TAG_NAMES, MetaType } from './constants.js';
import type { Dependency } from './dependency.js';

/** One record of a Meta payload, as stored. Integers are bigints so 64-bit extremes survive. */
export interface MetaRecord {
  readonly tag: number;
  readonly type: MetaType;
  readonly value: bigint | string | Dependency;
  /** The raw `length` field (for integers writers put the width; readers ignore it). */
  readonly length?: number;
  /** Whether the stored string carried trailing NULs (both writer generations write one). */
  readonly nulTerminated?: boolean;
}

const RECORD_HEADER = 8;
const encoder = new TextEncoder();

/** The records of a Meta payload one at a time. */
export function* metaRecordsOf(
  bytes: Uint8Array,
  count: number,
  ctx: CursorContext,
): Generator<MetaRecord, void, undefined> {
  const c: ByteCursor = new ByteCursor(bytes, ctx);
  // An 8-byte header per record bounds how many records the bytes can hold, so a hostile
  // num_records cannot make us loop or allocate beyond the payload itself.
  if (count * RECORD_HEADER > bytes.length)
    c.fail(`num_records ${count} cannot fit in ${bytes.length} bytes`);
  for (let i = 0; i < count; i++) {
    c.record = i;
    const length = c.u32();
    const tag = c.u16();
    const type = c.u8();
    c.skip(1, 'padding');
    if (META_TAG_NAMES[tag] === undefined) c.fail(`unknown meta tag ${tag}`);
    switch (type) {
      case MetaType.Int8:
        yield { tag, type, length, value: BigInt(c.i8()) };
        break;
      case MetaType.Uint8:
        yield { tag, type, length, value: BigInt(c.u8()) };
        break;
      case MetaType.Int16:
        yield { tag, type, length, value: BigInt(c.i16()) };
        break;
      case MetaType.Uint16:
        yield { tag, type, length, value: BigInt(c.u16()) };
        break;
      case MetaType.Int32:
        yield { tag, type, length, value: BigInt(c.i32()) };
        break;
      case MetaType.Uint32:
        yield { tag, type, length, value: BigInt(c.u32()) };
        break;
      case MetaType.Int64:
        yield { tag, type, length, value: c.i64() };
        break;
      case MetaType.Uint64:
        yield { tag, type, length, value: c.u64() };
        break;
      case MetaType.String: {
        const s = c.string(c.take(length, 'string value'), 'string value');
        yield { tag, type, length, value: s.value, nulTerminated: s.nul };
        break;
      }
      case MetaType.Dependency:
      case MetaType.Provider: {
        if (length < 1) c.fail('dependency record with length 0 has no kind byte');
        const kindByte = c.u8();
        const kind = DEPENDENCY_KINDS[kindByte];
        if (kind === undefined) c.fail(`unknown dependency kind ${kindByte}`);
        const s = c.string(c.take(length - 1, 'dependency name'), 'dependency name');
        yield { tag, type, length, value: { kind, name: s.value }, nulTerminated: s.nul };
        break;
      }
      default:
        c.fail(`unknown meta value type ${type}`);
    }
  }
  c.record = -1;
  if (c.remaining !== 0) {
    c.fail(`${c.remaining} bytes follow the last of ${count} records`);
  }
}

export function decodeMetaPayload(bytes: Uint8Array, count: number, ctx: CursorContext): MetaRecord[] {
  return [...metaRecordsOf(bytes, count, ctx)];
}

/** Encodes records the way the current writer does: NUL-terminated strings, integer width as length. */
export function encodeMetaPayload(records: readonly MetaRecord[]): Uint8Array {
  const w = new ByteWriter();
  for (const r of records) {
    const head = (length: number) => {
      w.u32(length);
      w.u16(r.tag);
      w.u8(r.type);
      w.u8(0);
    };
    const width = INTEGER_WIDTH[r.type];
    if (width !== undefined) {
      const v = r.value as bigint;
      head(width);
      switch (r.type) {
        case MetaType.Int8:
          w.i8(Number(v));
          break;
        case MetaType.Uint8:
          w.u8(Number(v));
          break;
        case MetaType.Int16:
          w.i16(Number(v));
          break;
        case MetaType.Uint16:
          w.u16(Number(v));
          break;
        case MetaType.Int32:
          w.i32(Number(v));
          break;
        case MetaType.Uint32:
          w.u32(Number(v));
          break;
        case MetaType.Int64:
          w.i64(v);
          break;
        default:
          w.u64(v);
      }
    } else if (r.type === MetaType.String) {
      const b = encoder.encode(r.value as string);
      head(b.length + 1);
      w.bytes(b);
      w.u8(0);
    } else {
      const d = r.value as Dependency;
      const b = encoder.encode(d.name);
      head(b.length + 2);
      w.u8(DEPENDENCY_KINDS.indexOf(d.kind));
      w.bytes(b);
      w.u8(0);
    }
  }
  return w.finish();
}
