import { ByteCursor, ByteWriter, type CursorContext } from './byte-cursor.js';

/** A generic key/value pair of the Attributes payload (raw bytes; no tool gives them meaning). */
export interface Attribute {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The records of an Attributes payload one at a time, each copied out of the payload. */
export function* attributeRecords(
  bytes: Uint8Array,
  count: number,
  ctx: CursorContext,
): Generator<Attribute, void, undefined> {
  const c: ByteCursor = new ByteCursor(bytes, ctx);
  if (count * 16 > bytes.length) c.fail(`num_records ${count} cannot fit in ${bytes.length} bytes`);
  for (let i = 0; i < count; i++) {
    c.record = i;
    const keyLength = c.u64Number('key_length');
    const valueLength = c.u64Number('value_length');
    const key = c.take(keyLength, 'key');
    const value = c.take(valueLength, 'value');
    yield { key: Uint8Array.from(key), value: Uint8Array.from(value) };
  }
  c.record = -1;
  if (c.remaining !== 0) c.fail(`${c.remaining} bytes follow the last of ${count} records`);
}

export function decodeAttributesPayload(bytes: Uint8Array, count: number, ctx: CursorContext): Attribute[] {
  return [...attributeRecords(bytes, count, ctx)];
}

export function encodeAttributesPayload(attributes: readonly Attribute[]): Uint8Array {
  const w = new ByteWriter();
  for (const a of attributes) {
    w.u64(a.key.length);
    w.u64(a.value.length);
    w.bytes(a.key);
    w.bytes(a.value);
  }
  return w.finish();
}
