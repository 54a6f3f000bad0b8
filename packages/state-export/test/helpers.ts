import type { Candidate, InstalledPackage } from '@serpent/resolve';
import { type Dependency, parseDependency } from '@serpent/stone';
import type { LockedPackage } from '../src/index.ts';

const deps = (list: readonly string[] = []): Dependency[] => list.map((d) => parseDependency(d)!);
export const hashOf = (name: string, release = 1) =>
  Buffer.from(`${name}-${release}`.padEnd(32, '.')).toString('hex').slice(0, 64);

export interface Spec {
  name: string;
  release?: number;
  depends?: string[];
  provides?: string[];
  conflicts?: string[];
}

export function candidate(
  s: Spec,
  source: Candidate['source'] = { kind: 'repository', name: 'main', priority: 0 },
): Candidate {
  const release = s.release ?? 1;
  return {
    id: hashOf(s.name, release),
    meta: {
      name: s.name,
      version: `1.${release}`,
      release,
      buildRelease: 1,
      depends: deps(s.depends),
      provides: deps(s.provides),
      conflicts: deps(s.conflicts),
    },
    source,
  };
}

export function installed(s: Spec, explicit: boolean): InstalledPackage {
  const c = candidate(s);
  return { id: c.id, meta: c.meta, explicit, reason: explicit ? `requested as ${s.name}` : 'a dependency' };
}

export function locked(s: Spec, explicit: boolean, extra: Partial<LockedPackage> = {}): LockedPackage {
  const c = candidate(s);
  return {
    name: s.name,
    version: c.meta.version,
    release: c.meta.release,
    buildRelease: 1,
    hash: c.id,
    explicit,
    ...extra,
  };
}
