import { FileType, type LayoutType, PayloadKind } from './constants.js';
import type { StoneHeader } from './header.js';
import type { LayoutEntry } from './layout-payload.js';
import type { PackageMeta } from './package-meta.js';
import { type PayloadInfo, type StoneReader, withStone } from './stone-reader.js';

export interface DescribeOptions {
  /** Also decompress the content and check every file's digest (`StoneReader.verify()`). */
  readonly verify?: boolean;
  /** How many layout entries to keep, in file order (default 20); the rest are only counted. */
  readonly layoutLimit?: number;
}

/** What `moss inspect` shows of a stone: everything it holds, layout entries counted. */
export interface StoneDescription {
  readonly file: string;
  readonly size: number;
  readonly header: StoneHeader;
  readonly payloads: readonly PayloadInfo[];
  /** A package's own description, or every package of an index or manifest. */
  readonly metas: readonly PackageMeta[];
  readonly layout: {
    readonly count: number;
    readonly byType: Readonly<Partial<Record<LayoutType, number>>>;
    /** The first `layoutLimit` entries. */
    readonly entries: readonly LayoutEntry[];
  };
  /** Entries of the content index (one per unique file content). */
  readonly uniqueFiles: number;
  /** The content payload's plain size, when there is one. */
  readonly contentBytes: number | undefined;
  /** Every payload's checksum matched (always checked; a mismatch throws). */
  readonly checksums: { readonly payloads: number };
  /** With `verify`: the file contents checked against their digests. */
  readonly verified?: { readonly files: number; readonly bytes: number };
}

/**
 * Reads what a stone holds for a person to look at, and checks every payload's checksum on the
 * way (the content's too, without decompressing it); `verify` adds every file's digest. The
 * layout is streamed: a package of any size costs the entries kept, not all of them.
 */
export async function describeStone(path: string, opts: DescribeOptions = {}): Promise<StoneDescription> {
  return withStone(path, (stone) => describeOpenStone(stone, opts));
}

export async function describeOpenStone(
  stone: StoneReader,
  opts: DescribeOptions = {},
): Promise<StoneDescription> {
  const checksums = await stone.checkPayloadChecksums();
  const isPackage = stone.header.fileType === FileType.Binary || stone.header.fileType === FileType.Delta;
  const hasMeta = stone.payloads.some((p) => p.kind === PayloadKind.Meta);
  const metas = isPackage ? (hasMeta ? [await stone.meta()] : []) : await stone.metas();
  const limit = opts.layoutLimit ?? 20;
  const entries: LayoutEntry[] = [];
  const byType: Partial<Record<LayoutType, number>> = {};
  let count = 0;
  for await (const e of stone.layoutEntries()) {
    count++;
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    if (entries.length < limit) entries.push(e);
  }
  const uniqueFiles = (await stone.index()).length;
  const verified = opts.verify ? await stone.verify() : undefined;
  return {
    file: stone.file,
    size: stone.size,
    header: stone.header,
    payloads: stone.payloads,
    metas,
    layout: { count, byType, entries },
    uniqueFiles,
    contentBytes: stone.contentPayload?.plainSize,
    checksums: { payloads: checksums.payloads },
    ...(verified === undefined ? {} : { verified }),
  };
}
