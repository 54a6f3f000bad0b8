import { constants as Z, zstdCompressSync } from 'node:zlib';
import { encodePayloadHeader, encodeStoneHeader } from '../src/header.ts';
import type { LayoutEntry, PackageMeta } from '../src/index.ts';
import { Compression, FileType, PayloadKind, xxh3_64 } from '../src/index.ts';
import { encodeLayoutPayload } from '../src/layout-payload.ts';
import { encodeMetaPayload } from '../src/meta-payload.ts';
import { recordsFromMeta } from '../src/package-meta.ts';

/**
 * Byte surgery for hostile stones: payloads given as stored bytes with any header fields, so a
 * test can write what our writer refuses to (a frame with a 2 GiB window, bytes after a frame,
 * a record count that does not match, a layout that escapes /usr). Checksums are computed
 * over the stored bytes unless given, so the damage is the one the test means.
 */
export interface RawPayload {
  readonly kind: number;
  readonly stored: Uint8Array;
  readonly plainSize: number;
  readonly numRecords: number;
  readonly compression?: number;
  readonly checksum?: string;
}

export async function craftStone(payloads: readonly RawPayload[], fileType: number = FileType.Binary) {
  const chunks: Uint8Array[] = [encodeStoneHeader({ numPayloads: payloads.length, fileType })];
  for (const p of payloads) {
    chunks.push(
      encodePayloadHeader({
        storedSize: p.stored.length,
        plainSize: p.plainSize,
        checksum: p.checksum ?? (await xxh3_64(p.stored)),
        numRecords: p.numRecords,
        version: 1,
        kind: p.kind,
        compression: p.compression ?? Compression.Zstd,
      }),
      p.stored,
    );
  }
  return Buffer.concat(chunks);
}

/** One zstd frame as our writer makes it (content size in the header). */
export function zstdFrame(plain: Uint8Array, level = 3): Uint8Array {
  return zstdCompressSync(plain, {
    params: { [Z.ZSTD_c_compressionLevel]: level, [Z.ZSTD_c_contentSizeFlag]: 1 },
    pledgedSrcSize: plain.length,
  });
}

const BLOCK = 128 * 1024;

function blockHeader(last: boolean, type: 0 | 1 | 2, size: number): Uint8Array {
  const v = (size << 3) | (type << 1) | (last ? 1 : 0);
  return Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff);
}

/**
 * A hand-made zstd frame of raw blocks declaring a window of 2^windowLog bytes and no content
 * size, as any zstd encoder may write (`zstd --long=31` does): valid, and decoded only by a
 * decoder that allows that window.
 */
export function rawFrame(plain: Uint8Array, windowLog: number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3)];
  const block = Math.min(BLOCK, 2 ** windowLog);
  if (plain.length === 0) parts.push(blockHeader(true, 0, 0));
  for (let at = 0; at < plain.length; at += block) {
    const piece = plain.subarray(at, at + block);
    parts.push(blockHeader(at + block >= plain.length, 0, piece.length), piece);
  }
  return Buffer.concat(parts);
}

/**
 * A frame of RLE blocks (4 stored bytes per 128 KiB of output) that decodes to `size` zero
 * bytes: a small file that makes a decoder produce, and with a large window hold, a lot.
 */
export function rleFrame(size: number, windowLog: number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3)];
  for (let at = 0; at < size; at += BLOCK) {
    parts.push(blockHeader(at + BLOCK >= size, 1, Math.min(BLOCK, size - at)), Uint8Array.of(0));
  }
  return Buffer.concat(parts);
}

/** A Meta payload of a package, stored as our writer stores it. */
export function metaPayload(meta: PackageMeta): RawPayload {
  const records = recordsFromMeta(meta);
  const plain = encodeMetaPayload(records);
  return {
    kind: PayloadKind.Meta,
    stored: zstdFrame(plain),
    plainSize: plain.length,
    numRecords: records.length,
  };
}

/** A Layout payload of any entries, hostile ones included (the writer refuses those). */
export function layoutPayload(entries: readonly LayoutEntry[]): RawPayload {
  const plain = encodeLayoutPayload(entries);
  return {
    kind: PayloadKind.Layout,
    stored: zstdFrame(plain),
    plainSize: plain.length,
    numRecords: entries.length,
  };
}
