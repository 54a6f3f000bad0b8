import type { Dependency, PackageMeta } from '@serpent/stone';

/**
 * The part of a package's metadata resolution reads. A full `PackageMeta` from `@serpent/stone`
 * (a stone's Meta payload, a repository index entry, an install DB row) fits as is.
 */
export type ResolveMeta = Pick<PackageMeta, 'name' | 'version' | 'release' | 'buildRelease'> & {
  readonly depends: readonly Dependency[];
  /** Without the implicit `name(<name>)`: every package provides its own name anyway. */
  readonly provides: readonly Dependency[];
  readonly conflicts: readonly Dependency[];
};

/**
 * Where a candidate comes from, in order of preference: what is installed, then local stones
 * the user named, then repositories by priority (higher number wins, as moss's reversed
 * `Priority` ordering: a `local` repo at 100 overrides `volatile` at 0).
 */
export type CandidateSource =
  | { readonly kind: 'installed' }
  | { readonly kind: 'local'; readonly name?: string }
  | { readonly kind: 'repository'; readonly name: string; readonly priority: number };

/** One package that could be selected. `id` is moss's package id (the stone's SHA-256 in a repository). */
export interface Candidate {
  readonly id: string;
  readonly meta: ResolveMeta;
  readonly source: CandidateSource;
}

/** One row of a state's selections, as the state DB stores it. */
export interface Selection {
  readonly id: string;
  readonly explicit: boolean;
  readonly reason?: string;
}

/** An installed package: its selection row and its metadata. */
export interface InstalledPackage extends Selection {
  readonly meta: ResolveMeta;
}

/** The installed package as a candidate (source `installed`). */
export function installedCandidate(pkg: InstalledPackage): Candidate {
  return { id: pkg.id, meta: pkg.meta, source: { kind: 'installed' } };
}
