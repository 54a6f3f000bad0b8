import { ByteWriter } from './byte-cursor.js';
import {
  COMPRESSION_NAMES,
  FILE_TYPE_NAMES,
  FORMAT_VERSION,
  HEADER_SIZE,
  INTEGRITY_CHECK,
  PAYLOAD_HEADER_SIZE,
  PAYLOAD_KIND_NAMES,
  STONE_MAGIC,
} from './constants.js';
import { bytesToHex, hexToBytes } from './hash.js';
import { StoneError } from './stone-error.js';

export interface StoneHeader {
  readonly numPayloads: number;
  /** 1 Binary, 2 Delta, 3 Repository, 4 BuildManifest */
  readonly fileType: number;
  readonly version: number;
}

export interface PayloadHeader {
  readonly storedSize: number;
  readonly plainSize: number;
  /** XXH3-64 of the stored bytes, 16 hex digits */
  readonly checksum: string;
  readonly numRecords: number;
  readonly version: number;
  /** 1 Meta, 2 Content, 3 Layout, 4 Index, 5 Attributes */
  readonly kind: number;
  /** 1 None, 2 Zstd */
  readonly compression: number;
}

export function decodeStoneHeader(bytes: Uint8Array, file: string): StoneHeader {
  if (bytes.length < HEADER_SIZE) {
    throw new StoneError(
      'STONE_TRUNCATED',
      file,
      `${bytes.length} bytes is shorter than the 32-byte header`,
      {
        offset: bytes.length,
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const magic = view.getUint32(0);
  if (magic !== STONE_MAGIC) {
    throw new StoneError(
      'STONE_BAD_MAGIC',
      file,
      `bad magic ${magic.toString(16).padStart(8, '0')} at offset 0 (expected 006d6f73)`,
      {
        offset: 0,
      },
    );
  }
  const version = view.getUint32(28);
  if (version !== FORMAT_VERSION) {
    throw new StoneError('STONE_BAD_VERSION', file, `unknown format version ${version} at offset 28`, {
      offset: 28,
    });
  }
  for (let i = 0; i < INTEGRITY_CHECK.length; i++) {
    if (bytes[6 + i] !== INTEGRITY_CHECK[i]) {
      throw new StoneError(
        'STONE_CORRUPT_HEADER',
        file,
        `corrupt header: integrity byte at offset ${6 + i} is ${bytes[6 + i]}`,
        {
          offset: 6 + i,
        },
      );
    }
  }
  const fileType = bytes[27]!;
  if (FILE_TYPE_NAMES[fileType] === undefined) {
    throw new StoneError('STONE_BAD_FILE_TYPE', file, `unknown file type ${fileType} at offset 27`, {
      offset: 27,
    });
  }
  return { numPayloads: view.getUint16(4), fileType, version };
}

export function encodeStoneHeader(header: { numPayloads: number; fileType: number }): Uint8Array {
  const w = new ByteWriter();
  w.u32(STONE_MAGIC);
  w.u16(header.numPayloads);
  w.bytes(INTEGRITY_CHECK);
  w.u8(header.fileType);
  w.u32(FORMAT_VERSION);
  return w.finish();
}

export function decodePayloadHeader(
  bytes: Uint8Array,
  file: string,
  offset: number,
  index: number,
): PayloadHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, PAYLOAD_HEADER_SIZE);
  const stored = view.getBigUint64(0);
  const plain = view.getBigUint64(8);
  const where = `payload #${index} header at offset ${offset}`;
  if (stored > BigInt(Number.MAX_SAFE_INTEGER) || plain > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new StoneError(
      'STONE_TOO_LARGE',
      file,
      `${where}: size beyond 2^53 (stored ${stored}, plain ${plain})`,
      {
        offset,
        payload: index,
      },
    );
  }
  const kind = bytes[30]!;
  if (PAYLOAD_KIND_NAMES[kind] === undefined) {
    throw new StoneError('STONE_BAD_PAYLOAD_KIND', file, `${where}: unknown payload kind ${kind}`, {
      offset: offset + 30,
      payload: index,
    });
  }
  const compression = bytes[31]!;
  if (COMPRESSION_NAMES[compression] === undefined) {
    throw new StoneError('STONE_BAD_COMPRESSION', file, `${where}: unknown compression ${compression}`, {
      offset: offset + 31,
      payload: index,
    });
  }
  return {
    storedSize: Number(stored),
    plainSize: Number(plain),
    checksum: bytesToHex(bytes.subarray(16, 24)),
    numRecords: view.getUint32(24),
    version: view.getUint16(28),
    kind,
    compression,
  };
}

export function encodePayloadHeader(h: PayloadHeader): Uint8Array {
  const w = new ByteWriter();
  w.u64(h.storedSize);
  w.u64(h.plainSize);
  w.bytes(hexToBytes(h.checksum));
  w.u32(h.numRecords);
  w.u16(h.version);
  w.u8(h.kind);
  w.u8(h.compression);
  return w.finish();
}
