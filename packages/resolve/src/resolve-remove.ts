import { type Dependency, formatDependency } from '@serpent/stone';
import { type Candidate, type InstalledPackage, installedCandidate, type Selection } from './candidate.js';
import { orderPackages } from './order-packages.js';
import { parseRequest } from './parse-request.js';
import { ProviderIndex, providerKeys } from './provider-index.js';
import { reachable } from './reachable.js';
import { ResolveError } from './resolve-error.js';

export interface RemoveInput {
  /** Names or providers of installed packages. */
  readonly request: readonly (Dependency | string)[];
  readonly installed: readonly InstalledPackage[];
}

export type RemovalReason = 'requested' | 'reverse-dependency' | 'orphan';

export interface Removal {
  readonly package: InstalledPackage;
  readonly reason: RemovalReason;
  /** Why, in words: `needs soname(libz.so.1(x86_64)), which only zlib provided`. */
  readonly because: string;
}

export interface RemovePlan {
  /** Everything to remove, dependents before their dependencies. */
  readonly remove: Removal[];
  /** The selections of the new state: the remaining packages, flags and reasons unchanged. */
  readonly selections: Selection[];
}

/**
 * Resolves a removal among the installed packages only.
 *
 * The requested packages go, and with them every reverse dependency: a package goes when one of
 * its dependencies was provided only by packages that go (one that another remaining package
 * also provides stays). Then the orphans go: packages this removal leaves unreachable from
 * every explicit package (moss leaves them, issue #442). Packages that were already unreachable
 * before (installed by hand as dependencies, or after dropping a `pkgset-*` metapackage, issue
 * #587) are kept: a removal only takes away what it orphans itself.
 * A dependency that no installed package provides (a half-synced system, issue #524) is not an
 * error here: it is already broken and removing something cannot make it worse.
 *
 * Throws RESOLVE_BAD_REQUEST, or RESOLVE_NOT_INSTALLED naming every request no installed
 * package provides.
 */
export function resolveRemove(input: RemoveInput): RemovePlan {
  const request = parseRequest(input.request);
  const installed = input.installed;
  const candidateOf = new Map(installed.map((p) => [p.id, installedCandidate(p)]));
  const index = new ProviderIndex(candidateOf.values());
  const byId = new Map(installed.map((p) => [p.id, p]));

  const removed = new Map<string, Removal>();
  const unknown: string[] = [];
  for (const dep of request) {
    const providers = index.providers(dep);
    if (providers.length === 0) unknown.push(dep.kind === 'name' ? dep.name : formatDependency(dep));
    for (const c of providers) {
      if (!removed.has(c.id))
        removed.set(c.id, { package: byId.get(c.id)!, reason: 'requested', because: 'requested' });
    }
  }
  if (unknown.length > 0) {
    throw new ResolveError('RESOLVE_NOT_INSTALLED', `not installed: ${unknown.join(', ')}`, {
      request: unknown,
    });
  }

  // Reverse dependencies: who depends on each provider key.
  const dependents = new Map<string, { pkg: InstalledPackage; dep: Dependency }[]>();
  for (const p of installed) {
    for (const dep of p.meta.depends) {
      const key = formatDependency(dep);
      const list = dependents.get(key);
      if (list === undefined) dependents.set(key, [{ pkg: p, dep }]);
      else list.push({ pkg: p, dep });
    }
  }
  const queue = [...removed.keys()];
  for (let head = 0; head < queue.length; head++) {
    const gone = candidateOf.get(queue[head]!)!;
    for (const key of providerKeys(gone)) {
      for (const { pkg, dep } of dependents.get(key) ?? []) {
        if (removed.has(pkg.id)) continue;
        if (index.providers(key).some((c) => !removed.has(c.id))) continue;
        const only = index.providers(key).map((c) => c.meta.name);
        removed.set(pkg.id, {
          package: pkg,
          reason: 'reverse-dependency',
          because: `needs ${formatDependency(dep)}, which only ${only.join(' and ')} provided`,
        });
        queue.push(pkg.id);
      }
    }
  }

  const none = new Set<string>();
  const explicit = installed.filter((p) => p.explicit);
  const before = reachable(
    explicit.map((p) => candidateOf.get(p.id)!),
    index,
    none,
  );
  const roots = installed.filter((p) => (p.explicit || !before.has(p.id)) && !removed.has(p.id));
  const after = reachable(
    roots.map((p) => candidateOf.get(p.id)!),
    index,
    removed,
  );
  for (const p of installed) {
    if (removed.has(p.id) || after.has(p.id)) continue;
    removed.set(p.id, {
      package: p,
      reason: 'orphan',
      because: 'nothing explicitly installed needs it any more',
    });
  }

  const goingCandidates = [...removed.keys()].map((id) => candidateOf.get(id)!);
  const order = orderPackages(goingCandidates, (c) =>
    providerIds(c, index, (id) => removed.has(id)),
  ).reverse();
  return {
    remove: order.map((c) => removed.get(c.id)!),
    selections: installed
      .filter((p) => !removed.has(p.id))
      .map((p) =>
        p.reason === undefined
          ? { id: p.id, explicit: p.explicit }
          : { id: p.id, explicit: p.explicit, reason: p.reason },
      ),
  };
}

function* providerIds(c: Candidate, index: ProviderIndex, keep: (id: string) => boolean): Iterable<string> {
  for (const dep of c.meta.depends) for (const p of index.providers(dep)) if (keep(p.id)) yield p.id;
}
