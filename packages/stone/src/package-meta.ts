import { MetaTag, MetaType } from './constants.js';
import { compareUtf8, type Dependency, sortDependencies } from './dependency.js';
import type { MetaRecord } from './meta-payload.js';
import { StoneError } from './stone-error.js';

/** The package model of one Meta payload. */
export interface PackageMeta {
  readonly name: string;
  readonly version: string;
  /** Source release number from the recipe. */
  readonly release: number;
  /** Build number. */
  readonly buildRelease: number;
  readonly architecture: string;
  readonly summary: string;
  readonly description: string;
  readonly homepage: string;
  readonly sourceId: string;
  readonly licenses: readonly string[];
  readonly depends: readonly Dependency[];
  /** As stored: writers leave out the implicit `name(<name>)` provider. */
  readonly provides: readonly Dependency[];
  readonly conflicts: readonly Dependency[];
  /** Build manifests only. */
  readonly buildDepends?: readonly Dependency[];
  /** Repository index only: location relative to the index. */
  readonly packageUri?: string;
  /** Repository index only: SHA-256 of the whole .stone file. */
  readonly packageHash?: string;
  /** Repository index only: size of the .stone file. */
  readonly packageSize?: number;
}

const REQUIRED = ['Name', 'Version', 'Release', 'BuildRelease', 'Architecture'] as const;

/**
 * Builds the model from records. Single-valued fields take the first record with the tag and
 * a compatible type (as moss does); unlike moss, Depends and BuildDepends stay apart.
 */
export function metaFromRecords(records: readonly MetaRecord[], file: string, payload = 0): PackageMeta {
  const text = (tag: number): string | undefined => {
    const r = records.find((x) => x.tag === tag && x.type === MetaType.String);
    return r === undefined ? undefined : (r.value as string);
  };
  const inRange = (v: bigint) => v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER);
  const int = (tag: number, firstInRange = false): number | undefined => {
    const ints = records.filter((x) => x.tag === tag && typeof x.value === 'bigint');
    // PackageSize only matters in an index; a stray record of another width before the real
    // one (the kitchen-sink fixture has all eight) should not make a package unreadable.
    const r = firstInRange ? (ints.find((x) => inRange(x.value as bigint)) ?? ints[0]) : ints[0];
    if (r === undefined) return undefined;
    const v = r.value as bigint;
    if (!inRange(v)) {
      throw new StoneError(
        'STONE_BAD_RECORD',
        file,
        `Meta payload #${payload}: tag ${tag} value ${v} is out of range`,
        {
          payload,
          tag,
        },
      );
    }
    return Number(v);
  };
  const deps = (tag: number, type: number): Dependency[] =>
    records.filter((x) => x.tag === tag && x.type === type).map((x) => x.value as Dependency);

  const found = {
    Name: text(MetaTag.Name),
    Version: text(MetaTag.Version),
    Release: int(MetaTag.Release),
    BuildRelease: int(MetaTag.BuildRelease),
    Architecture: text(MetaTag.Architecture),
  };
  for (const key of REQUIRED) {
    if (found[key] === undefined) {
      throw new StoneError('STONE_BAD_RECORD', file, `Meta payload #${payload} has no ${key} record`, {
        payload,
        missing: key,
      });
    }
  }
  const buildDepends = deps(MetaTag.BuildDepends, MetaType.Dependency);
  const packageUri = text(MetaTag.PackageURI);
  const packageHash = text(MetaTag.PackageHash);
  const packageSize = int(MetaTag.PackageSize, true);
  return {
    name: found.Name!,
    version: found.Version!,
    release: found.Release!,
    buildRelease: found.BuildRelease!,
    architecture: found.Architecture!,
    summary: text(MetaTag.Summary) ?? '',
    description: text(MetaTag.Description) ?? '',
    homepage: text(MetaTag.Homepage) ?? '',
    sourceId: text(MetaTag.SourceID) ?? '',
    licenses: records
      .filter((x) => x.tag === MetaTag.License && x.type === MetaType.String)
      .map((x) => x.value as string),
    depends: deps(MetaTag.Depends, MetaType.Dependency),
    provides: deps(MetaTag.Provides, MetaType.Provider),
    conflicts: deps(MetaTag.Conflicts, MetaType.Provider),
    ...(buildDepends.length > 0 ? { buildDepends } : {}),
    ...(packageUri === undefined ? {} : { packageUri }),
    ...(packageHash === undefined ? {} : { packageHash }),
    ...(packageSize === undefined ? {} : { packageSize }),
  };
}

/**
 * Records in the current writer's order: Name, Version, Release, BuildRelease, Architecture,
 * Summary, Description, SourceID, Homepage, [PackageURI, PackageHash, PackageSize], License×n
 * (sorted), Depends×n, Provides×n (without `name(...)`), Conflicts×n, each list sorted by its
 * textual form as UTF-8 bytes; then BuildDepends×n in the order given (boulder sorts them by the
 * recipe's raw strings, which the model does not keep).
 */
export function recordsFromMeta(meta: PackageMeta): MetaRecord[] {
  const s = (tag: number, value: string): MetaRecord => ({ tag, type: MetaType.String, value });
  const u = (tag: number, value: number): MetaRecord => ({
    tag,
    type: MetaType.Uint64,
    value: BigInt(value),
  });
  const d = (tag: number, type: MetaType, value: Dependency): MetaRecord => ({ tag, type, value });
  const out: MetaRecord[] = [
    s(MetaTag.Name, meta.name),
    s(MetaTag.Version, meta.version),
    u(MetaTag.Release, meta.release),
    u(MetaTag.BuildRelease, meta.buildRelease),
    s(MetaTag.Architecture, meta.architecture),
    s(MetaTag.Summary, meta.summary),
    s(MetaTag.Description, meta.description),
    s(MetaTag.SourceID, meta.sourceId),
    s(MetaTag.Homepage, meta.homepage),
  ];
  if (meta.packageUri !== undefined) out.push(s(MetaTag.PackageURI, meta.packageUri));
  if (meta.packageHash !== undefined) out.push(s(MetaTag.PackageHash, meta.packageHash));
  if (meta.packageSize !== undefined) out.push(u(MetaTag.PackageSize, meta.packageSize));
  for (const l of [...new Set(meta.licenses)].sort(compareUtf8)) out.push(s(MetaTag.License, l));
  for (const x of sortDependencies(meta.depends)) out.push(d(MetaTag.Depends, MetaType.Dependency, x));
  for (const x of sortDependencies(meta.provides.filter((p) => p.kind !== 'name'))) {
    out.push(d(MetaTag.Provides, MetaType.Provider, x));
  }
  for (const x of sortDependencies(meta.conflicts)) out.push(d(MetaTag.Conflicts, MetaType.Provider, x));
  for (const x of meta.buildDepends ?? []) out.push(d(MetaTag.BuildDepends, MetaType.Dependency, x));
  return out;
}
