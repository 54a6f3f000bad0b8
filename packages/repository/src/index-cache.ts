import type { Dependency, PackageMeta } from '@serpent/stone';

/** What the side-cache keeps per stone (see INDEX_CACHE_NAME). */
export interface CachedStone {
  /** `/`-separated, relative to the indexed directory. */
  readonly path: string;
  readonly size: number;
  /** st_mtime in nanoseconds, as a decimal string (beyond 2^53). */
  readonly mtimeNs: string;
  readonly sha256: string;
  readonly meta: PackageMeta;
}

export interface IndexCache {
  /** zstd level the index's payloads were written with (payloads are reused only at that level). */
  readonly level: number | undefined;
  readonly stones: Map<string, CachedStone>;
}

const VERSION = 1;

/**
 * The meta as the original's index writer sees it: its package model collects every
 * Dependency-typed record (Depends and BuildDepends) as a runtime dependency, and a stone's
 * own PackageURI/Hash/Size records (if any) are replaced by the index's.
 */
export function stripIndexFields(meta: PackageMeta): PackageMeta {
  const { packageUri: _u, packageHash: _h, packageSize: _s, buildDepends, ...rest } = meta;
  return buildDepends === undefined ? rest : { ...rest, depends: [...rest.depends, ...buildDepends] };
}

export function encodeIndexCache(level: number, stones: readonly CachedStone[]): string {
  return `${JSON.stringify({ version: VERSION, level, stones })}\n`;
}

const isDep = (d: unknown): d is Dependency =>
  typeof d === 'object' &&
  d !== null &&
  typeof (d as Dependency).kind === 'string' &&
  typeof (d as Dependency).name === 'string';

/** Parses and checks the side-cache; throws on anything unexpected (the caller re-hashes). */
export function decodeIndexCache(text: string): IndexCache {
  const doc = JSON.parse(text) as { version?: unknown; level?: unknown; stones?: unknown };
  if (doc.version !== VERSION || !Array.isArray(doc.stones)) {
    throw new Error(`not a version ${VERSION} index cache`);
  }
  const out = new Map<string, CachedStone>();
  for (const s of doc.stones as CachedStone[]) {
    const m = s?.meta;
    const ok =
      typeof s.path === 'string' &&
      Number.isSafeInteger(s.size) &&
      typeof s.mtimeNs === 'string' &&
      /^[0-9a-f]{64}$/.test(s.sha256) &&
      typeof m === 'object' &&
      typeof m.name === 'string' &&
      typeof m.version === 'string' &&
      Number.isSafeInteger(m.release) &&
      Number.isSafeInteger(m.buildRelease) &&
      typeof m.architecture === 'string' &&
      ['summary', 'description', 'homepage', 'sourceId'].every(
        (k) => typeof (m as unknown as Record<string, unknown>)[k] === 'string',
      ) &&
      Array.isArray(m.licenses) &&
      m.licenses.every((l) => typeof l === 'string') &&
      [m.depends, m.provides, m.conflicts].every((l) => Array.isArray(l) && l.every(isDep));
    if (!ok) throw new Error(`malformed entry ${JSON.stringify(s?.path)}`);
    out.set(s.path, s);
  }
  return { level: typeof doc.level === 'number' ? doc.level : undefined, stones: out };
}
