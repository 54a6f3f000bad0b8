import { compareUtf8 } from '@serpent/stone';
import { LOCK_FORMAT, LOCK_VERSION, type Lock, type LockRepository } from './lock.js';
import { MODEL_VERSION, type ModelRepository, type SystemModel } from './system-model.js';

/** A selected package as the exporter knows it. */
export interface ExportedPackage {
  readonly name: string;
  readonly version: string;
  readonly release: number;
  readonly buildRelease: number;
  /** The package id (SHA-256 of its .stone). */
  readonly hash: string;
  readonly explicit: boolean;
  /** The repository whose index offers this hash, with the package's URI in it and its size. */
  readonly origin?: { readonly repository: string; readonly uri: string; readonly size: number } | undefined;
}

/**
 * The lock of a state: its packages (by name) and the repositories that offer them. Only
 * repositories that offer at least one of the packages are listed, in the order given. Pure.
 */
export function lockOf(input: {
  readonly packages: readonly ExportedPackage[];
  readonly repositories: readonly LockRepository[];
  readonly state?: Lock['state'];
  readonly generator?: string;
}): Lock {
  const used = new Set(input.packages.flatMap((p) => (p.origin ? [p.origin.repository] : [])));
  return {
    format: LOCK_FORMAT,
    version: LOCK_VERSION,
    ...(input.generator === undefined ? {} : { generator: input.generator }),
    ...(input.state === undefined ? {} : { state: input.state }),
    repositories: input.repositories.filter((r) => used.has(r.name)),
    packages: [...input.packages]
      .sort((a, b) => compareUtf8(a.name, b.name))
      .map((p) => ({
        name: p.name,
        version: p.version,
        release: p.release,
        buildRelease: p.buildRelease,
        hash: p.hash,
        explicit: p.explicit,
        ...(p.origin ? { repository: p.origin.repository, uri: p.origin.uri, size: p.origin.size } : {}),
      })),
  };
}

/** The model of a system: its repositories and the names of its explicit packages (sorted). Pure. */
export function modelOf(input: {
  readonly repositories: readonly ModelRepository[];
  readonly packages: readonly { readonly name: string; readonly explicit: boolean }[];
}): SystemModel {
  return {
    version: MODEL_VERSION,
    repositories: [...input.repositories],
    packages: [...new Set(input.packages.filter((p) => p.explicit).map((p) => p.name))].sort(compareUtf8),
  };
}
