import { parseDependency } from '@serpent/stone';
import type { Candidate, InstalledPackage } from '../src/index.js';

export interface PkgSpec {
  provides?: string[];
  depends?: string[];
  conflicts?: string[];
  release?: number;
  build?: number;
  repo?: string;
  priority?: number;
  local?: boolean;
}

const dep = (s: string) => parseDependency(s)!;

/** A repository (or local) candidate; the id names the package, release and repository. */
export function pkg(name: string, spec: PkgSpec = {}): Candidate {
  const release = spec.release ?? 1;
  const build = spec.build ?? 1;
  const repo = spec.repo ?? 'volatile';
  return {
    id: `${name}-${release}-${build}@${spec.local ? 'local' : repo}`,
    meta: {
      name,
      version: `${release}.0`,
      release,
      buildRelease: build,
      depends: (spec.depends ?? []).map(dep),
      provides: (spec.provides ?? []).map(dep),
      conflicts: (spec.conflicts ?? []).map(dep),
    },
    source: spec.local
      ? { kind: 'local', name: 'local' }
      : { kind: 'repository', name: repo, priority: spec.priority ?? 0 },
  };
}

/** The same package as installed (explicitly or as a dependency). */
export function inst(c: Candidate, explicit = false, reason?: string): InstalledPackage {
  return reason === undefined
    ? { id: c.id, meta: c.meta, explicit }
    : { id: c.id, meta: c.meta, explicit, reason };
}

export const names = (cs: readonly { meta: { name: string } }[]) => cs.map((c) => c.meta.name);

/** Runs `fn`, expecting a ResolveError; returns it. */
export function thrown(fn: () => unknown): {
  code: string;
  message: string;
  details: Record<string, unknown>;
} {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected an error');
}
