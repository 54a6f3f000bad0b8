import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { type Attribute, attributeRecords } from './attributes-payload.js';
import {
  COMPRESSION_NAMES,
  DEPENDENCY_KINDS,
  FILE_TYPE_NAMES,
  INTEGRITY_CHECK,
  LAYOUT_TYPE_NAMES,
  LAYOUT_TYPES,
  META_TAG_NAMES,
  META_TYPE_NAMES,
  PAYLOAD_KIND_NAMES,
  PayloadKind,
} from './constants.js';
import type { Dependency } from './dependency.js';
import { bytesToHex, mossAssetName } from './hash.js';
import { type IndexEntry, indexRecords } from './index-payload.js';
import { type LayoutEntry, type LayoutRaw, layoutRecords } from './layout-payload.js';
import { type MetaRecord, metaRecordsOf } from './meta-payload.js';
import { type PayloadInfo, type StoneReader, withStone } from './stone-reader.js';

type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface InspectOptions {
  /**
   * Also require every file's content to match its digest, as `StoneReader.verify()` does:
   * a mismatch throws (STONE_CONTENT_HASH_MISMATCH, STONE_MISSING_CONTENT ...) instead of
   * showing as `verified: false`.
   */
  readonly verify?: boolean;
}

/**
 * Heap bytes of one record's JSON object (10-16 properties, a few strings each), for the
 * reader's memory limit: the whole document is held before it is printed. Measured 666 bytes a
 * record over the 1,230 records of the real bash-completion stone (strings included); the
 * limit adds twice the payload's bytes for the strings, so this keeps some margin.
 */
const JSON_PER_RECORD = 768;

/** 64-bit values beyond 2^53 stay exact: they are kept as bigint and printed as raw digits. */
function num(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Decodes and verifies a whole stone into the `stone-expected/1` JSON shape of the fixtures
 * (same keys, same order, same value formats): every payload with its checksum and records,
 * every content digest recomputed, and a summary. Structural damage throws a StoneError;
 * content that does not match its digest shows as `verified: false` (or throws, with
 * `verify`). Records are checked against the reader's `maxRecordMemory` as JSON objects
 * before any is decoded.
 */
export async function inspectStone(path: string, opts: InspectOptions = {}): Promise<JsonObject> {
  return withStone(path, async (stone) => {
    if (opts.verify) await stone.verify();
    return new StoneInspection(stone, await stone.sha256()).run();
  });
}

/** What the content stream showed: each slice's actual XXH3-128 and the plain bytes' SHA-256. */
interface ContentFacts {
  readonly digestsBySlice: Map<string, string>;
  readonly sha256: string;
  readonly plainSize: number;
}

async function readContent(stone: StoneReader): Promise<ContentFacts | undefined> {
  const p = stone.contentPayload;
  if (p === undefined) return undefined;
  const digestsBySlice = new Map<string, string>();
  const sha = createHash('sha256');
  await stone.unpackContent(
    {
      file: (entry) => ({
        write() {},
        commit(digest: string) {
          digestsBySlice.set(`${entry.start}:${entry.end}`, digest);
        },
        abort() {},
      }),
    },
    { verify: false, onChunk: (c) => sha.update(c) },
  );
  return { digestsBySlice, sha256: sha.digest('hex'), plainSize: p.plainSize };
}

function payloadHeaderJson(p: PayloadInfo): JsonObject {
  return {
    index: p.index,
    header_offset: p.headerOffset,
    body_offset: p.bodyOffset,
    stored_size: p.storedSize,
    plain_size: p.plainSize,
    checksum: p.checksum,
    checksum_verified: true,
    num_records: p.numRecords,
    version: p.version,
    kind: p.kind,
    kind_name: PAYLOAD_KIND_NAMES[p.kind]!,
    compression: p.compression,
    compression_name: COMPRESSION_NAMES[p.compression]!,
  };
}

function metaRecordJson(r: MetaRecord): JsonObject {
  const rec: JsonObject = {
    tag: r.tag,
    tag_name: META_TAG_NAMES[r.tag]!,
    type: r.type,
    type_name: META_TYPE_NAMES[r.type]!,
    length: r.length ?? 0,
  };
  if (typeof r.value === 'bigint') {
    rec.value = num(r.value);
    rec.value_text = r.value.toString();
  } else if (typeof r.value === 'string') {
    rec.value = r.value;
    rec.nul_terminated = r.nulTerminated ?? false;
  } else {
    const d = r.value as Dependency;
    rec.dependency_kind = DEPENDENCY_KINDS.indexOf(d.kind);
    rec.dependency_kind_name = d.kind;
    rec.value = d.name;
    rec.display = `${d.kind}(${d.name})`;
    rec.nul_terminated = r.nulTerminated ?? false;
  }
  return rec;
}

function layoutRecordJson(e: LayoutEntry, r: LayoutRaw): JsonObject {
  const rec: JsonObject = {
    uid: e.uid,
    gid: e.gid,
    mode: e.mode,
    mode_octal: e.mode.toString(8),
    tag: e.tag,
    file_type: LAYOUT_TYPES.indexOf(e.type) + 1,
    file_type_name: LAYOUT_TYPE_NAMES[LAYOUT_TYPES.indexOf(e.type)]!,
    source_length: r.sourceLength,
    target_length: r.targetLength,
  };
  if (e.type === 'regular') rec.hash = e.hash;
  if (e.type === 'symlink') rec.source = e.source;
  rec.target = e.target;
  rec.target_nul_terminated = r.targetNulTerminated;
  if (e.type === 'symlink') rec.source_nul_terminated = r.sourceNulTerminated ?? false;
  return rec;
}

function attributeJson(a: Attribute): JsonObject {
  return { key_hex: bytesToHex(a.key), value_hex: bytesToHex(a.value) };
}

/**
 * One inspection: the payloads are walked in file order, each kind's records turned into JSON
 * by the functions above, while the tallies the summary needs accumulate here. Regular files'
 * content facts are filled in at the end, once every Index payload has been seen.
 */
class StoneInspection {
  private content: ContentFacts | undefined;
  private metaRecords = 0;
  private layoutEntries = 0;
  private readonly layoutByType: Record<string, number> = {};
  private indexEntries = 0;
  private fullyIndexed = false;
  private allIndexVerified = true;
  /** Per digest: its slice's size and what the slice actually hashed to. */
  private readonly indexed = new Map<string, { size: number; actual: string | undefined }>();
  private readonly regulars: { hash: string; rec: JsonObject }[] = [];

  constructor(
    private readonly stone: StoneReader,
    private readonly fileSha256: string,
  ) {}

  async run(): Promise<JsonObject> {
    const records = this.stone.payloads.filter((p) => p.kind !== PayloadKind.Content);
    this.stone.checkRecordMemory(records, JSON_PER_RECORD);
    // Content first: its digests feed the layout and index records.
    this.content = await readContent(this.stone);
    const payloads: JsonObject[] = [];
    for (const p of this.stone.payloads) payloads.push(await this.payload(p));
    return this.document(payloads, this.fillRegulars());
  }

  private async payload(p: PayloadInfo): Promise<JsonObject> {
    const base = payloadHeaderJson(p);
    if (p.kind === PayloadKind.Content) {
      // Only the first Content payload is read (as every consumer does); its flag is set at
      // the end, once the index is known.
      const first = p === this.stone.contentPayload;
      return { ...base, plain_sha256: first ? this.content!.sha256 : null, content_fully_indexed: false };
    }
    const plain = await this.stone.plainPayload(p);
    base.plain_sha256 = createHash('sha256').update(plain).digest('hex');
    const ctx = { file: this.stone.file, what: `${PAYLOAD_KIND_NAMES[p.kind]} payload #${p.index}` };
    const records: Json[] = [];
    if (p.kind === PayloadKind.Meta) {
      for (const r of metaRecordsOf(plain, p.numRecords, ctx)) {
        this.metaRecords++;
        records.push(metaRecordJson(r));
      }
    } else if (p.kind === PayloadKind.Layout) {
      for (const { entry, raw } of layoutRecords(plain, p.numRecords, ctx))
        records.push(this.layoutEntry(entry, raw));
    } else if (p.kind === PayloadKind.Index) {
      this.indexPayload(indexRecords(plain, p.numRecords, ctx), records);
    } else if (p.kind === PayloadKind.Attributes) {
      for (const a of attributeRecords(plain, p.numRecords, ctx)) records.push(attributeJson(a));
    }
    return { ...base, records };
  }

  private layoutEntry(e: LayoutEntry, raw: LayoutRaw): JsonObject {
    this.layoutEntries++;
    const rec = layoutRecordJson(e, raw);
    const typeName = rec.file_type_name as string;
    this.layoutByType[typeName] = (this.layoutByType[typeName] ?? 0) + 1;
    if (e.type === 'regular') this.regulars.push({ hash: e.hash, rec });
    return rec;
  }

  private indexPayload(entries: Iterable<IndexEntry>, records: Json[]): void {
    let expectedStart = 0;
    this.fullyIndexed = true;
    for (const e of entries) {
      this.indexEntries++;
      const actual = this.content?.digestsBySlice.get(`${e.start}:${e.end}`);
      const verified = actual === e.digest;
      if (!verified) this.allIndexVerified = false;
      const contiguous = e.start === expectedStart;
      if (!contiguous) this.fullyIndexed = false;
      expectedStart = e.end;
      const known = this.indexed.get(e.digest);
      this.indexed.set(e.digest, { size: e.end - e.start, actual: actual ?? known?.actual });
      records.push({
        start: e.start,
        end: e.end,
        digest: e.digest,
        size: e.end - e.start,
        xxh3_128: actual ?? null,
        verified,
        contiguous,
        moss_asset_name: mossAssetName(e.digest),
      });
    }
    if (this.content === undefined || expectedStart !== this.content.plainSize) this.fullyIndexed = false;
  }

  /** Each regular file's size and content as its index entry found them; true if all match. */
  private fillRegulars(): boolean {
    let all = true;
    for (const { hash, rec } of this.regulars) {
      const slice = this.indexed.get(hash);
      const actual = slice?.actual ?? null;
      rec.size = slice?.size ?? null;
      rec.content_xxh3_128 = actual;
      rec.content_verified = actual === hash;
      if (actual !== hash) all = false;
    }
    return all;
  }

  private document(payloads: JsonObject[], allRegularVerified: boolean): JsonObject {
    const stone = this.stone;
    for (const p of payloads) {
      if (p.kind === PayloadKind.Content && p.plain_sha256 !== null)
        p.content_fully_indexed = this.fullyIndexed;
    }
    return {
      schema: 'stone-expected/1',
      file: basename(stone.file),
      file_size: stone.size,
      file_sha256: this.fileSha256,
      header: {
        magic: '006d6f73',
        num_payloads: stone.header.numPayloads,
        integrity_check: bytesToHex(INTEGRITY_CHECK),
        file_type: stone.header.fileType,
        file_type_name: FILE_TYPE_NAMES[stone.header.fileType]!,
        version: stone.header.version,
      },
      payloads,
      summary: {
        payload_kinds: stone.payloads.map((p) => PAYLOAD_KIND_NAMES[p.kind]!),
        meta_records: this.metaRecords,
        layout_entries: this.layoutEntries,
        layout_by_type: this.layoutByType,
        index_entries: this.indexEntries,
        content_plain_size: this.content?.plainSize ?? null,
        all_payload_checksums_verified: true,
        all_index_digests_verified: this.allIndexVerified,
        all_regular_files_verified: allRegularVerified,
      },
    };
  }
}

/** JSON text with bigints written as exact integers (JSON.stringify refuses bigint). */
export function stringifyJson(value: unknown, indent = 2): string {
  const marker = '@@serpent-bigint@@';
  const text = JSON.stringify(
    value,
    (_k, v) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v),
    indent,
  );
  return text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1');
}
