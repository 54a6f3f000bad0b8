import { crc32 } from 'node:zlib';

/** One used entry of a GUID Partition Table. GUIDs are lower case. */
export interface GptPartition {
  /** 1-based, as Linux numbers partitions (sysfs `partition`). */
  readonly number: number;
  readonly typeGuid: string;
  readonly partUuid: string;
  readonly firstLba: bigint;
  readonly lastLba: bigint;
  readonly name: string;
}

/**
 * Parses the primary GPT from the start of a disk: `bytes` must hold the header at LBA 1 and
 * the entry array it points to. Returns undefined when there is no valid GPT (signature,
 * header CRC32 or entry-array CRC32 wrong), so a damaged table is never trusted.
 */
export function parseGpt(bytes: Uint8Array, sectorSize = 512): GptPartition[] | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const h = sectorSize;
  if (buf.length < h + 92 || buf.toString('latin1', h, h + 8) !== 'EFI PART') return undefined;
  const headerSize = buf.readUInt32LE(h + 12);
  if (headerSize < 92 || headerSize > sectorSize || buf.length < h + headerSize) return undefined;
  const header = Buffer.from(buf.subarray(h, h + headerSize));
  const headerCrc = header.readUInt32LE(16);
  header.writeUInt32LE(0, 16);
  if (crc32(header) !== headerCrc) return undefined;
  const entriesLba = buf.readBigUInt64LE(h + 72);
  const count = buf.readUInt32LE(h + 80);
  const entrySize = buf.readUInt32LE(h + 84);
  const entriesCrc = buf.readUInt32LE(h + 88);
  const start = Number(entriesLba) * sectorSize;
  const end = start + count * entrySize;
  if (entrySize < 128 || count > 1024 || end > buf.length) return undefined;
  if (crc32(buf.subarray(start, end)) !== entriesCrc) return undefined;
  const partitions: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = buf.subarray(start + i * entrySize, start + (i + 1) * entrySize);
    const typeGuid = guid(e.subarray(0, 16));
    if (typeGuid === '00000000-0000-0000-0000-000000000000') continue;
    partitions.push({
      number: i + 1,
      typeGuid,
      partUuid: guid(e.subarray(16, 32)),
      firstLba: e.readBigUInt64LE(32),
      lastLba: e.readBigUInt64LE(40),
      name: e.toString('utf16le', 56, 128).replace(/\0.*$/s, ''),
    });
  }
  return partitions;
}

/** Mixed-endian GUID bytes (first three fields little-endian) to text. */
function guid(b: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = [...b.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}
