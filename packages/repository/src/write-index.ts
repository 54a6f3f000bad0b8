import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from '@serpent/concurrency';
import { hashFile, writeFileAtomic } from '@serpent/durable';
import { isSerpentError } from '@serpent/errors';
import {
  compareUtf8,
  DEFAULT_COMPRESSION_LEVEL,
  encodeRepositoryIndex,
  type MetaRecord,
  type PackageMeta,
  PayloadKind,
  packageNameProblem,
  recordsFromMeta,
  StoneReader,
} from '@serpent/stone';
import {
  type CachedStone,
  decodeIndexCache,
  encodeIndexCache,
  type IndexCache,
  stripIndexFields,
} from './index-cache.js';
import { INDEX_NAME } from './index-name.js';
import { readIndex } from './read-index.js';
import { RepositoryError } from './repository-error.js';
import { signIndex } from './sign-index.js';
import type { IndexedPackage, WriteIndexOptions, WriteIndexResult } from './types.js';

/**
 * The side-cache beside the index: for every stone found, its size, mtime (ns), SHA-256 and
 * meta, so a re-run only reads and hashes stones whose size or mtime changed (the original
 * re-hashes everything every time, issue #868). The index format has no room for an mtime,
 * hence a separate file; it is JSON, written crash-safely, and safe to delete (the next run
 * then hashes everything once).
 */
export const INDEX_CACHE_NAME = '.stone.index.cache.json';

/** Every `*.stone` under `dir`, as `/`-separated paths relative to it, sorted. */
async function findStones(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(rel === '' ? dir : join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && e.name.endsWith('.stone')) out.push(path);
    }
  };
  await walk('');
  return out.sort(compareUtf8);
}

async function hashAndRead(dir: string, rel: string): Promise<CachedStone> {
  const abs = join(dir, rel);
  const fh = await open(abs, 'r');
  let st: { size: bigint; mtimeNs: bigint };
  let sha256: string;
  try {
    // The stat that keys the cache is taken on the handle we hash, before hashing: a stone
    // rewritten meanwhile gets a newer mtime, so the next run hashes it again.
    st = await fh.stat({ bigint: true });
    sha256 = await hashFile(fh);
  } finally {
    await fh.close();
  }
  let meta: PackageMeta;
  try {
    const stone = await StoneReader.open(abs);
    try {
      meta = await stone.meta();
    } finally {
      await stone.close();
    }
  } catch (err) {
    if (!isSerpentError(err)) throw err;
    throw new RepositoryError(
      'REPO_INDEX_INVALID',
      `${abs}: cannot read its package metadata: ${err.message}`,
      {
        file: abs,
      },
      err,
      'remove or rebuild the named stone, then index again',
    );
  }
  const bad = packageNameProblem(meta);
  if (bad !== undefined) {
    throw new RepositoryError(
      'REPO_INDEX_INVALID',
      `${abs}: ${bad}`,
      { file: abs },
      undefined,
      'remove or rebuild the named stone, then index again',
    );
  }
  return {
    path: rel,
    size: Number(st.size),
    mtimeNs: st.mtimeNs.toString(),
    sha256,
    meta: stripIndexFields(meta),
  };
}

const NO_CACHE: IndexCache = { level: undefined, stones: new Map() };

async function loadCache(path: string, warn: (message: string) => void): Promise<IndexCache> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn((err as Error).message);
    return NO_CACHE;
  }
  try {
    return decodeIndexCache(text);
  } catch (err) {
    warn(`ignored: ${(err as Error).message}`);
    return NO_CACHE;
  }
}

/** The same records give the same plain payload: strings compare with their NUL terminator. */
function recordsKey(records: readonly MetaRecord[]): string {
  return JSON.stringify(
    records.map((r) => [
      r.tag,
      r.type,
      typeof r.value === 'bigint' ? r.value.toString() : r.value,
      (r as { nulTerminated?: boolean }).nulTerminated !== false,
    ]),
  );
}

interface PreviousIndex {
  readonly packages: IndexedPackage[];
  /** Each package's stored payload (header and compressed body), by its records. */
  readonly payloads: Map<string, Uint8Array>;
}

async function loadPrevious(path: string, warn: (message: string) => void): Promise<PreviousIndex> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      warn(`previous index ignored: ${(err as Error).message}`);
    return { packages: [], payloads: new Map() };
  }
  try {
    const packages = await readIndex(bytes, path);
    const stone = await StoneReader.fromBytes(bytes, path);
    const records = await stone.metaRecords();
    const metaPayloads = stone.payloads.filter((p) => p.kind === PayloadKind.Meta);
    const payloads = new Map<string, Uint8Array>();
    metaPayloads.forEach((p, i) => {
      payloads.set(recordsKey(records[i]!), bytes.subarray(p.headerOffset, p.bodyOffset + p.storedSize));
    });
    return { packages, payloads };
  } catch (err) {
    warn(`previous index ignored: ${(err as Error).message}`);
    return { packages: [], payloads: new Map() };
  }
}

/**
 * The index's bytes: the stone header, then one Meta payload per package. A payload whose
 * records equal one in the previous index (written at the same level) is copied from it: each
 * payload is compressed on its own, so the result is byte-identical to encoding everything
 * again, and a re-run costs no compression (1,200 packages: 13 s → see the README).
 */
async function encodeIndex(
  packages: readonly IndexedPackage[],
  level: number,
  reuse: Map<string, Uint8Array>,
): Promise<Uint8Array> {
  if (packages.length > 0xffff) {
    throw new RepositoryError(
      'REPO_INDEX_INVALID',
      `${packages.length} packages do not fit one index (the format counts payloads in 16 bits)`,
      { packages: packages.length },
    );
  }
  // The 32-byte file header of an empty index, with num_payloads (u16 big-endian at offset 4,
  // spec/stone-format.md §2) set to the real count.
  const header = (await encodeRepositoryIndex([], { level })).slice(0, 32);
  new DataView(header.buffer, header.byteOffset, 32).setUint16(4, packages.length);
  const chunks: Uint8Array[] = [header];
  for (const p of packages) {
    const kept = reuse.get(recordsKey(recordsFromMeta(p)));
    chunks.push(kept ?? (await encodeRepositoryIndex([p], { level })).subarray(32));
  }
  return Buffer.concat(chunks);
}

/**
 * `moss index DIR`: writes `DIR/stone.index` for every `*.stone` under DIR (recursively), in
 * the original's format (one Meta payload per package, ordered by name, with PackageURI,
 * PackageHash and PackageSize). As the original, one version per name is kept, the highest
 * Release, and two stones with the same name and Release are an error. Unlike it, stones
 * whose size and mtime match the side-cache are not read again, the index is replaced
 * crash-safely, and the result says what changed against the previous index.
 */
export async function writeIndex(dir: string, opts: WriteIndexOptions = {}): Promise<WriteIndexResult> {
  const emit = opts.onEvent ?? (() => {});
  const indexPath = join(dir, INDEX_NAME);
  const cachePath = join(dir, INDEX_CACHE_NAME);
  try {
    await stat(dir);
  } catch (err) {
    throw new RepositoryError('REPO_IO', `cannot index ${dir}: ${(err as Error).message}`, { dir }, err);
  }
  const [files, cache, previous] = await Promise.all([
    findStones(dir),
    loadCache(cachePath, (message) => emit({ type: 'warning', path: cachePath, message })),
    loadPrevious(indexPath, (message) => emit({ type: 'warning', path: indexPath, message })),
  ]);
  emit({ type: 'scanned', files: files.length });

  let hashed = 0;
  let reused = 0;
  const stones = await mapLimit(files, opts.concurrency ?? 4, async (rel) => {
    const cached = cache.stones.get(rel);
    if (cached !== undefined) {
      const st = await stat(join(dir, rel), { bigint: true });
      if (Number(st.size) === cached.size && st.mtimeNs.toString() === cached.mtimeNs) {
        reused++;
        emit({ type: 'reused', path: rel });
        return cached;
      }
    }
    const fresh = await hashAndRead(dir, rel);
    hashed++;
    emit({ type: 'hashed', path: rel, bytes: fresh.size });
    return fresh;
  });

  // One version per name: the highest source release (files are in path order, so the
  // superseded events and the duplicate error are deterministic).
  const best = new Map<string, CachedStone>();
  for (const s of stones) {
    const other = best.get(s.meta.name);
    if (other === undefined) {
      best.set(s.meta.name, s);
      continue;
    }
    if (other.meta.release === s.meta.release) {
      throw new RepositoryError(
        'REPO_INDEX_DUPLICATE_RELEASE',
        `package ${s.meta.name} has two files with the same release ${s.meta.release}: ${other.path} and ${s.path}`,
        { package: s.meta.name, release: s.meta.release, files: [other.path, s.path] },
      );
    }
    const [win, lose] = s.meta.release > other.meta.release ? [s, other] : [other, s];
    best.set(s.meta.name, win);
    emit({
      type: 'superseded',
      path: lose.path,
      name: lose.meta.name,
      release: lose.meta.release,
      by: win.path,
    });
  }
  const packages: IndexedPackage[] = [...best.values()]
    .map((s) => ({ ...s.meta, packageUri: s.path, packageHash: s.sha256, packageSize: s.size }))
    .sort((a, b) => compareUtf8(a.name, b.name));

  const level = opts.level ?? DEFAULT_COMPRESSION_LEVEL;
  const reuse = cache.level === level ? previous.payloads : new Map<string, Uint8Array>();
  const bytes = await encodeIndex(packages, level, reuse);
  await writeFileAtomic(indexPath, bytes);
  emit({ type: 'written', path: indexPath, packages: packages.length, bytes: bytes.length });
  // After the index: the cache is keyed by each stone's own stat, never by the index, so a
  // crash between the two writes costs at most a re-hash.
  await writeFileAtomic(cachePath, encodeIndexCache(level, stones));

  const before = new Map(previous.packages.map((p) => [p.name, p]));
  const added: IndexedPackage[] = [];
  const updated: { before: IndexedPackage; after: IndexedPackage }[] = [];
  let unchanged = 0;
  for (const p of packages) {
    const old = before.get(p.name);
    before.delete(p.name);
    if (old === undefined) added.push(p);
    else if (
      old.packageHash !== p.packageHash ||
      old.packageUri !== p.packageUri ||
      old.packageSize !== p.packageSize
    )
      updated.push({ before: old, after: p });
    else unchanged++;
  }
  const dropped = [...before.values()].sort((a, b) => compareUtf8(a.name, b.name));
  // Signed once the index is in place: the signature is over the bytes clients will fetch.
  const signature = opts.sign === undefined ? undefined : await signIndex(dir, opts.sign);
  return {
    path: indexPath,
    packages,
    added,
    updated,
    dropped,
    unchanged,
    hashed,
    reused,
    ...(signature === undefined ? {} : { signature }),
  };
}
