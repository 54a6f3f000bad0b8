import { once } from 'node:events';
import { closeSync, createReadStream, fstatSync, openSync, readFileSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir, tempPathFor } from '@serpent/durable';
import { type Attribute, encodeAttributesPayload } from './attributes-payload.js';
import { Compression, FileType, PayloadKind } from './constants.js';
import { compareUtf8 } from './dependency.js';
import { createXxh3_64, createXxh3_128, xxh3_64 } from './hash.js';
import { encodePayloadHeader, encodeStoneHeader } from './header.js';
import { encodeIndexPayload, type IndexEntry } from './index-payload.js';
import { encodeLayoutPayload, type LayoutEntry } from './layout-payload.js';
import { encodeMetaPayload } from './meta-payload.js';
import { type PackageMeta, recordsFromMeta } from './package-meta.js';
import { StoneError } from './stone-error.js';
import { assertZstdWriter, createZstdCompressStream, zstdCompress } from './zstd.js';
import { ZstdFrameScanner } from './zstd-frame.js';

/** Level the original writer uses. Costly (≈ 6 MB/s single-threaded here): pass a lower one for speed. */
export const DEFAULT_COMPRESSION_LEVEL = 18;

/** A regular file's bytes: in memory, or a file on disk read when the stone is written. */
export type ContentSource = Uint8Array | { readonly path: string };

interface EntryCommon {
  /** Path relative to `/usr`, no leading slash. */
  readonly target: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly tag?: number;
}

/** What goes into a package: files with their bytes, symlinks, directories, special files. */
export type StoneEntryInput = EntryCommon &
  (
    | {
        readonly type: 'regular' /** permission bits or full st_mode */;
        readonly mode: number;
        readonly content: ContentSource;
      }
    | { readonly type: 'symlink'; readonly source: string; readonly mode?: number }
    | { readonly type: 'directory'; readonly mode: number }
    | { readonly type: 'char-device' | 'block-device' | 'fifo' | 'socket'; readonly mode: number }
  );

export interface WritePackageOptions {
  readonly meta: PackageMeta;
  readonly entries: readonly StoneEntryInput[];
  readonly attributes?: readonly Attribute[];
  /** zstd level, 1..22; default 18 as the original writer. */
  readonly level?: number;
  /** Binary (default) or Delta; the format gives Delta no other shape. */
  readonly fileType?: typeof FileType.Binary | typeof FileType.Delta;
}

export interface WrittenPackage {
  readonly path: string;
  readonly size: number;
  readonly layout: LayoutEntry[];
  readonly index: IndexEntry[];
}

const TYPE_BITS: Record<StoneEntryInput['type'], number> = {
  regular: 0o100000,
  symlink: 0o120000,
  directory: 0o040000,
  'char-device': 0o020000,
  'block-device': 0o060000,
  fifo: 0o010000,
  socket: 0o140000,
};

function fullMode(type: StoneEntryInput['type'], mode: number | undefined): number {
  const perms = mode ?? (type === 'symlink' ? 0o777 : 0o644);
  return (perms & 0o170000) === 0 ? TYPE_BITS[type] | perms : perms;
}

function checkTarget(target: string, out: string): void {
  const bad =
    target.length === 0 ||
    target.startsWith('/') ||
    target.includes('\0') ||
    target.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) {
    throw new StoneError(
      'STONE_INVALID_INPUT',
      out,
      `layout target ${JSON.stringify(target)} is not a plain relative path under /usr`,
      {
        target,
      },
    );
  }
}

// Files up to 8 MiB are read with one synchronous call. A read stream per file cost ~2 ms, and
// promise-based reads queue in the same 4-thread pool as the zstd compressor: writing 18k real
// files (293 MB) took 48 s with streams, 31 s with fs.promises, and far less with sync reads,
// which keep the pool for the compressor.
const WHOLE_READ_LIMIT = 8 << 20;

async function* readSource(src: ContentSource): AsyncGenerator<Uint8Array> {
  if (src instanceof Uint8Array) {
    yield src;
    return;
  }
  const fd = openSync(src.path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size <= WHOLE_READ_LIMIT) {
      yield readFileSync(fd);
      return;
    }
  } finally {
    closeSync(fd);
  }
  for await (const chunk of createReadStream(src.path, { highWaterMark: 4 << 20 })) yield chunk as Buffer;
}

interface Unique {
  digest: string;
  size: number;
  source: ContentSource;
  order: number;
}

/** Hashes every regular file and keeps one source per distinct content. */
async function collectContent(
  entries: readonly StoneEntryInput[],
): Promise<{ digests: string[]; unique: Unique[] }> {
  const hasher = await createXxh3_128();
  const byDigest = new Map<string, Unique>();
  const digests: string[] = [];
  for (const e of entries) {
    if (e.type !== 'regular') {
      digests.push('');
      continue;
    }
    hasher.init();
    let size = 0;
    for await (const chunk of readSource(e.content)) {
      hasher.update(chunk);
      size += chunk.length;
    }
    const digest = hasher.digest('hex');
    digests.push(digest);
    if (!byDigest.has(digest))
      byDigest.set(digest, { digest, size, source: e.content, order: byDigest.size });
  }
  // Largest first, ties in discovery order: what current boulder does (spec §8).
  const unique = [...byDigest.values()].sort((a, b) => b.size - a.size || a.order - b.order);
  return { digests, unique };
}

async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

function recordPayload(kind: number, plain: Uint8Array, numRecords: number, level: number) {
  const stored = zstdCompress(plain, level);
  return { kind, plain, stored, numRecords };
}

async function payloadBytes(p: {
  kind: number;
  plain: Uint8Array;
  stored: Uint8Array;
  numRecords: number;
}): Promise<Uint8Array> {
  const header = encodePayloadHeader({
    storedSize: p.stored.length,
    plainSize: p.plain.length,
    checksum: await xxh3_64(p.stored),
    numRecords: p.numRecords,
    version: 1,
    kind: p.kind,
    compression: Compression.Zstd,
  });
  return Buffer.concat([header, p.stored]);
}

/**
 * Writes a binary package: Meta, Layout, [Attributes], Index, Content, in the current writer's
 * style, deterministically (same input, same bytes). Contents are streamed from their sources,
 * so a package larger than memory can be written. The file appears under `path` only when
 * complete: it is written to a temporary name in the same directory, fsynced, then renamed.
 */
export async function writePackage(path: string, opts: WritePackageOptions): Promise<WrittenPackage> {
  assertZstdWriter(path);
  const level = opts.level ?? DEFAULT_COMPRESSION_LEVEL;
  for (const e of opts.entries) checkTarget(e.target, path);
  const { digests, unique } = await collectContent(opts.entries);
  const layout: LayoutEntry[] = opts.entries.map((e, i) => {
    const common = {
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mode: fullMode(e.type, e.mode),
      tag: e.tag ?? 0,
      target: e.target,
    };
    if (e.type === 'regular') return { ...common, type: 'regular', hash: digests[i]! };
    if (e.type === 'symlink') return { ...common, type: 'symlink', source: e.source };
    return { ...common, type: e.type };
  });
  let offset = 0;
  const index: IndexEntry[] = unique.map((u) => {
    const entry = { start: offset, end: offset + u.size, digest: u.digest };
    offset += u.size;
    return entry;
  });
  const contentSize = offset;

  const parts = [
    recordPayload(
      PayloadKind.Meta,
      encodeMetaPayload(recordsFromMeta(opts.meta)),
      recordsFromMeta(opts.meta).length,
      level,
    ),
  ];
  if (layout.length > 0)
    parts.push(recordPayload(PayloadKind.Layout, encodeLayoutPayload(layout), layout.length, level));
  if (opts.attributes !== undefined && opts.attributes.length > 0) {
    parts.push(
      recordPayload(
        PayloadKind.Attributes,
        encodeAttributesPayload(opts.attributes),
        opts.attributes.length,
        level,
      ),
    );
  }
  const hasContent = index.length > 0;
  if (hasContent)
    parts.push(recordPayload(PayloadKind.Index, encodeIndexPayload(index), index.length, level));

  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    let pos = 0;
    const header = encodeStoneHeader({
      numPayloads: parts.length + (hasContent ? 1 : 0),
      fileType: opts.fileType ?? FileType.Binary,
    });
    await writeAll(fh, header, pos);
    pos += header.length;
    for (const p of parts) {
      const bytes = await payloadBytes(p);
      await writeAll(fh, bytes, pos);
      pos += bytes.length;
    }
    if (hasContent) {
      const headerAt = pos;
      pos += 32;
      const sum = await createXxh3_64();
      let stored = 0;
      const z = createZstdCompressStream(level, contentSize);
      const frame = new ZstdFrameScanner({ maxWindow: Number.POSITIVE_INFINITY, contentSize });
      const after: Uint8Array[] = [];
      // Drain compressed output to the file while feeding input, respecting backpressure.
      const drained = (async () => {
        for await (const output of z as AsyncIterable<Buffer>) {
          // node:zlib ends the frame by itself once the pledged size is in, and then its end()
          // starts a second, empty frame (9 bytes). A payload is one frame: readers refuse
          // bytes after it, as `zstd -d` would if they were anything else.
          const n = frame.take(output);
          if (n < output.length) after.push(output.subarray(n));
          const chunk = output.subarray(0, n);
          sum.update(chunk);
          await writeAll(fh, chunk, pos);
          pos += chunk.length;
          stored += chunk.length;
        }
      })();
      for (const u of unique) {
        let seen = 0;
        for await (const chunk of readSource(u.source)) {
          seen += chunk.length;
          if (!z.write(chunk)) await once(z, 'drain');
        }
        if (seen !== u.size) {
          throw new StoneError(
            'STONE_INVALID_INPUT',
            path,
            `a source of content ${u.digest} changed size while writing (${u.size} → ${seen})`,
            {
              digest: u.digest,
            },
          );
        }
      }
      z.end();
      await drained;
      frame.end();
      checkEmptyFrames(Buffer.concat(after), path);
      const ph = encodePayloadHeader({
        storedSize: stored,
        plainSize: contentSize,
        checksum: sum.digest('hex'),
        numRecords: 0,
        version: 1,
        kind: PayloadKind.Content,
        compression: Compression.Zstd,
      });
      await writeAll(fh, ph, headerAt);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
    await syncDir(dirname(path));
    return { path, size: pos, layout, index };
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The frame node:zlib appends after a finished one: magic, single segment, size 0, one empty raw block. */
const EMPTY_FRAME = Buffer.from('28b52ffd2000010000', 'hex');

function checkEmptyFrames(extra: Buffer, path: string): void {
  for (let at = 0; at < extra.length; at += EMPTY_FRAME.length) {
    if (!extra.subarray(at, at + EMPTY_FRAME.length).equals(EMPTY_FRAME)) {
      throw new StoneError(
        'STONE_INVALID_INPUT',
        path,
        `the zstd encoder wrote ${extra.length} unexpected bytes after the content frame`,
        { bytes: extra.length },
      );
    }
  }
}

/** Encodes a stone made only of Meta payloads (repository index, build manifest). */
async function encodeMetaStone(
  fileType: number,
  metas: readonly PackageMeta[],
  level: number,
): Promise<Uint8Array> {
  const sorted = [...metas].sort((a, b) => compareUtf8(a.name, b.name));
  const chunks: Uint8Array[] = [encodeStoneHeader({ numPayloads: sorted.length, fileType })];
  for (const m of sorted) {
    const records = recordsFromMeta(m);
    chunks.push(
      await payloadBytes(recordPayload(PayloadKind.Meta, encodeMetaPayload(records), records.length, level)),
    );
  }
  return Buffer.concat(chunks);
}

/**
 * A repository index (`stone.index`): one Meta payload per package, ordered by name, each with
 * PackageURI, PackageHash (SHA-256 of the .stone) and PackageSize set.
 */
export async function encodeRepositoryIndex(
  packages: readonly PackageMeta[],
  opts: { level?: number } = {},
): Promise<Uint8Array> {
  assertZstdWriter('stone.index');
  for (const p of packages) {
    if (p.packageUri === undefined || p.packageHash === undefined || p.packageSize === undefined) {
      throw new StoneError(
        'STONE_INVALID_INPUT',
        'stone.index',
        `package ${p.name} lacks packageUri, packageHash or packageSize`,
        {
          package: p.name,
        },
      );
    }
  }
  return encodeMetaStone(FileType.Repository, packages, opts.level ?? DEFAULT_COMPRESSION_LEVEL);
}

/**
 * A binary build manifest (`manifest.<arch>.bin`): one Meta payload per package, ordered by
 * name, with BuildRelease 0 and the recipe's build dependencies as BuildDepends records.
 */
export async function encodeBuildManifest(
  packages: readonly PackageMeta[],
  opts: { level?: number } = {},
): Promise<Uint8Array> {
  assertZstdWriter('build manifest');
  const metas = packages.map((p) => ({ ...p, buildRelease: 0 }));
  return encodeMetaStone(FileType.BuildManifest, metas, opts.level ?? DEFAULT_COMPRESSION_LEVEL);
}

/** Low-level: a stone from already-encoded plain payloads, in the order given. */
export async function encodeStone(
  fileType: number,
  payloads: readonly { kind: number; plain: Uint8Array; numRecords: number }[],
  opts: { level?: number } = {},
): Promise<Uint8Array> {
  assertZstdWriter('stone');
  const level = opts.level ?? DEFAULT_COMPRESSION_LEVEL;
  const chunks: Uint8Array[] = [encodeStoneHeader({ numPayloads: payloads.length, fileType })];
  for (const p of payloads)
    chunks.push(await payloadBytes(recordPayload(p.kind, p.plain, p.numRecords, level)));
  return Buffer.concat(chunks);
}
