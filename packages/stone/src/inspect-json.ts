import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { hashFile } from '@serpent/durable';
import { decodeAttributesPayload } from './attributes-payload.js';
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
import { decodeIndexPayload } from './index-payload.js';
import { decodeLayoutPayload } from './layout-payload.js';
import { decodeMetaPayload } from './meta-payload.js';
import { type StoneReader, withStone } from './stone-reader.js';

type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

/** 64-bit values beyond 2^53 stay exact: they are kept as bigint and printed as raw digits. */
function num(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Decodes and verifies a whole stone into the `stone-expected/1` JSON shape of the fixtures in
 * `../shared/fixtures/stone` (same keys, same order, same value formats): every payload with its
 * checksum and records, every content digest recomputed, and a summary. Structural damage
 * throws a StoneError; content that does not match its digest shows as `verified: false`.
 */
export async function inspectStone(path: string): Promise<Record<string, Json>> {
  const fileSha = await hashFile(path);
  return withStone(path, (stone) => inspectOpenStone(stone, fileSha));
}

async function inspectOpenStone(stone: StoneReader, fileSha256: string): Promise<Record<string, Json>> {
  const file = stone.file;
  const path = file;
  const payloads: Json[] = [];
  const digestsBySlice = new Map<string, string>();
  let contentPlainSize: number | null = null;
  let metaRecords = 0;
  let indexEntries = 0;
  const layoutByType: Record<string, number> = {};
  let layoutEntries = 0;
  let allIndexVerified = true;
  let allRegularVerified = true;
  const indexSizes = new Map<string, number>();
  const regulars: { hash: string; rec: Record<string, Json> }[] = [];

  // Content first: its digests feed the layout and index records.
  const contentInfo = stone.contentPayload;
  let contentSha = '';
  let fullyIndexed = false;
  if (contentInfo !== undefined) {
    const sha = createHash('sha256');
    await stone.unpackContent(
      {
        file(entry) {
          return {
            write() {},
            commit(digest: string) {
              digestsBySlice.set(`${entry.start}:${entry.end}`, digest);
            },
            abort() {},
          };
        },
      },
      { verify: false, onChunk: (c) => sha.update(c) },
    );
    contentSha = sha.digest('hex');
    contentPlainSize = contentInfo.plainSize;
  }

  for (const p of stone.payloads) {
    const base: Record<string, Json> = {
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
    if (p.kind === PayloadKind.Content) {
      if (p !== contentInfo) {
        payloads.push({ ...base, plain_sha256: null, content_fully_indexed: false });
        continue;
      }
      payloads.push({ ...base, plain_sha256: contentSha, content_fully_indexed: fullyIndexed });
      continue;
    }
    const plain = await stone.plainPayload(p);
    base.plain_sha256 = createHash('sha256').update(plain).digest('hex');
    const ctx = { file, what: `${PAYLOAD_KIND_NAMES[p.kind]} payload #${p.index}` };
    const records: Json[] = [];
    if (p.kind === PayloadKind.Meta) {
      for (const r of decodeMetaPayload(plain, p.numRecords, ctx)) {
        metaRecords++;
        const rec: Record<string, Json> = {
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
        records.push(rec);
      }
    } else if (p.kind === PayloadKind.Layout) {
      const { entries, raw } = decodeLayoutPayload(plain, p.numRecords, ctx);
      entries.forEach((e, i) => {
        const r = raw[i]!;
        layoutEntries++;
        const typeName = LAYOUT_TYPE_NAMES[LAYOUT_TYPES.indexOf(e.type)]!;
        layoutByType[typeName] = (layoutByType[typeName] ?? 0) + 1;
        const rec: Record<string, Json> = {
          uid: e.uid,
          gid: e.gid,
          mode: e.mode,
          mode_octal: e.mode.toString(8),
          tag: e.tag,
          file_type: LAYOUT_TYPES.indexOf(e.type) + 1,
          file_type_name: typeName,
          source_length: r.sourceLength,
          target_length: r.targetLength,
        };
        if (e.type === 'regular') rec.hash = e.hash;
        if (e.type === 'symlink') rec.source = e.source;
        rec.target = e.target;
        rec.target_nul_terminated = r.targetNulTerminated;
        if (e.type === 'symlink') rec.source_nul_terminated = r.sourceNulTerminated ?? false;
        if (e.type === 'regular') regulars.push({ hash: e.hash, rec });
        records.push(rec);
      });
    } else if (p.kind === PayloadKind.Index) {
      let expectedStart = 0;
      fullyIndexed = true;
      for (const e of decodeIndexPayload(plain, p.numRecords, ctx)) {
        indexEntries++;
        const actual = digestsBySlice.get(`${e.start}:${e.end}`) ?? null;
        const verified = actual === e.digest;
        if (!verified) allIndexVerified = false;
        const contiguous = e.start === expectedStart;
        if (!contiguous) fullyIndexed = false;
        expectedStart = e.end;
        indexSizes.set(e.digest, e.end - e.start);
        records.push({
          start: e.start,
          end: e.end,
          digest: e.digest,
          size: e.end - e.start,
          xxh3_128: actual,
          verified,
          contiguous,
          moss_asset_name: mossAssetName(e.digest),
        });
      }
      if (contentPlainSize === null || expectedStart !== contentPlainSize) fullyIndexed = false;
    } else if (p.kind === PayloadKind.Attributes) {
      for (const a of decodeAttributesPayload(plain, p.numRecords, ctx)) {
        records.push({ key_hex: bytesToHex(a.key), value_hex: bytesToHex(a.value) });
      }
    }
    payloads.push({ ...base, records });
  }
  // Now that the index is known, fill in what each regular file's content turned out to be.
  const actualByDigest = new Map<string, string>();
  for (const p of stone.payloads) {
    if (p.kind !== PayloadKind.Index) continue;
    for (const e of decodeIndexPayload(await stone.plainPayload(p), p.numRecords, { file, what: 'Index' })) {
      const a = digestsBySlice.get(`${e.start}:${e.end}`);
      if (a !== undefined) actualByDigest.set(e.digest, a);
    }
  }
  for (const { hash, rec } of regulars) {
    const actual = actualByDigest.get(hash) ?? null;
    rec.size = indexSizes.get(hash) ?? null;
    rec.content_xxh3_128 = actual;
    rec.content_verified = actual === hash;
    if (actual !== hash) allRegularVerified = false;
  }
  for (const p of payloads as Record<string, Json>[]) {
    if (p.kind === PayloadKind.Content && 'content_fully_indexed' in p)
      p.content_fully_indexed = fullyIndexed;
  }

  return {
    schema: 'stone-expected/1',
    file: basename(path),
    file_size: stone.size,
    file_sha256: fileSha256,
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
      meta_records: metaRecords,
      layout_entries: layoutEntries,
      layout_by_type: layoutByType,
      index_entries: indexEntries,
      content_plain_size: contentPlainSize,
      all_payload_checksums_verified: true,
      all_index_digests_verified: allIndexVerified,
      all_regular_files_verified: allRegularVerified,
    },
  };
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
