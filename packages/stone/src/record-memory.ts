import { PayloadKind } from './constants.js';
import type { PayloadHeader } from './header.js';

/**
 * Heap bytes one decoded record takes beyond its share of the payload's bytes, measured with
 * `node --expose-gc` on Node 24 (200,000 records each, heapUsed before and after): a layout
 * entry 163-181 (with its `LayoutRaw`), an index entry 106, an attribute 450 (two copied
 * `Uint8Array`s, each with its own buffer), a meta record 74-114. Rounded up for margin.
 *
 * A payload's byte count does not bound its records' memory: 500 MiB of empty attribute
 * records are 33 million records, ≈ 15 GB decoded. The header states both the record count and
 * the plain size before anything is read, so the memory a decode would take is known up front.
 */
const PER_RECORD: Record<number, number> = {
  [PayloadKind.Meta]: 128,
  [PayloadKind.Layout]: 224,
  [PayloadKind.Index]: 128,
  [PayloadKind.Attributes]: 512,
};

/**
 * Estimated heap bytes of a payload's decoded records: the strings and copies made from its
 * bytes (counted twice: a string of non-Latin-1 text takes two bytes a character) plus a fixed
 * cost per record. `perRecord` replaces the fixed cost for callers that build bigger objects.
 */
export function recordMemory(p: PayloadHeader, perRecord = PER_RECORD[p.kind] ?? 0): number {
  return 2 * p.plainSize + p.numRecords * perRecord;
}
