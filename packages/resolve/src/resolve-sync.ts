import { formatDependency } from '@serpent/stone';
import { type Candidate, type InstalledPackage, installedCandidate, type Selection } from './candidate.js';
import { checkConflicts } from './check-conflicts.js';
import { expand, throwMissing } from './expand.js';
import { orderPackages } from './order-packages.js';
import { ProviderIndex } from './provider-index.js';
import { reachable } from './reachable.js';
import type { Removal } from './resolve-remove.js';

export interface SyncInput {
  readonly installed: readonly InstalledPackage[];
  /** What the enabled repositories (and local stones) offer now. */
  readonly candidates: readonly Candidate[];
  /** Only move to a newer release (moss `sync --upgrade-only`); never downgrade. */
  readonly upgradeOnly?: boolean;
}

export interface SyncChange {
  readonly from: InstalledPackage;
  readonly to: Candidate;
}

export interface SyncPlan {
  /** To a newer release (source release, then build release). */
  readonly upgrade: SyncChange[];
  /** To an older release: the repositories went back (sync means "match the repositories"). */
  readonly downgrade: SyncChange[];
  /** Same release, other package id (a rebuilt stone). */
  readonly rebuild: SyncChange[];
  /** Packages the new releases depend on that were not installed. */
  readonly newDependencies: Candidate[];
  /** Everything to fetch and install (changes and new dependencies), dependencies first. */
  readonly install: Candidate[];
  /** Installed packages nothing explicit needs after the sync, dependents first. */
  readonly remove: Removal[];
  /** Already what the repositories offer. */
  readonly keep: InstalledPackage[];
  /** In no enabled repository any more: kept as installed, as moss does. */
  readonly unavailable: InstalledPackage[];
  /** The selections of the new state; explicit flags and reasons carry over by name. */
  readonly selections: Selection[];
}

/**
 * Moves every installed package to what the enabled repositories offer now, in one transaction.
 *
 * Each installed name is pinned to its best candidate (local stones, repository priority, newest
 * release); with `upgradeOnly`, only to a newer one. A package that no repository offers any more
 * stays as installed (moss does the same; removing it would surprise more than keeping it).
 * Then the dependency closure of the explicit packages is resolved again, pinned releases first,
 * so upgrades that gained dependencies pull them in and transitive packages that nothing needs
 * any more are removed. As in resolveRemove, transitive packages that were already unreachable
 * before the sync are kept (issue #587: moss's sync deleted a desktop's packages once its
 * `pkgset-*` metapackages had been dropped).
 *
 * Throws RESOLVE_MISSING_PROVIDER (with the chain) or RESOLVE_CONFLICT.
 */
export function resolveSync(input: SyncInput): SyncPlan {
  const installed = input.installed;
  const installedCands = installed.map(installedCandidate);
  // Candidates first: an installed package still offered by a repository is that repository's
  // candidate here, so it competes on priority and release rather than winning as installed.
  const index = new ProviderIndex([...input.candidates, ...installedCands]);
  const offered = (c: Candidate) => c.source.kind !== 'installed';

  const pinned = new Map<string, Candidate>();
  const unavailable = new Set<string>();
  for (const [i, p] of installed.entries()) {
    const best = index
      .providers(`name(${p.meta.name})`)
      .find((c) => offered(c) && c.meta.name === p.meta.name);
    if (best === undefined) {
      unavailable.add(p.id);
      pinned.set(p.meta.name, installedCands[i]!);
    } else if (input.upgradeOnly === true && best.id !== p.id && compareRelease(best, p) <= 0) {
      pinned.set(p.meta.name, index.byId(p.id) ?? installedCands[i]!);
    } else {
      pinned.set(p.meta.name, best);
    }
  }

  const installedIndex = new ProviderIndex(installedCands);
  const wanted = reachable(
    installedCands.filter((_, i) => installed[i]!.explicit),
    installedIndex,
    new Set(),
  );
  const roots = installed
    .filter((p) => p.explicit || !wanted.has(p.id))
    .map((p) => ({
      candidate: pinned.get(p.meta.name)!,
      origin: `${p.explicit ? 'explicitly ' : ''}installed ${p.meta.name}`,
    }));

  const claims = new Map<string, string>();
  const { reached, missing } = expand(roots, (dep, seen) => {
    const providers = index.providers(dep);
    for (const c of providers) if (pinned.get(c.meta.name)?.id === c.id) return c;
    for (const c of providers) if (seen.has(c.id)) return c;
    const best = providers.find(
      (c) => offered(c) && !pinned.has(c.meta.name) && (claims.get(c.meta.name) ?? c.id) === c.id,
    );
    if (best !== undefined) claims.set(best.meta.name, best.id);
    return best;
  });
  if (missing.length > 0) throwMissing(missing);

  const installedIds = new Set(installed.map((p) => p.id));
  const result = new Map([...reached.values()].map((r) => [r.candidate.id, r.candidate]));
  checkConflicts(result, index, (id) => !installedIds.has(id));

  const upgrade: SyncChange[] = [];
  const downgrade: SyncChange[] = [];
  const rebuild: SyncChange[] = [];
  const keep: InstalledPackage[] = [];
  const removeIds = new Set<string>();
  for (const p of installed) {
    const to = pinned.get(p.meta.name)!;
    if (!result.has(to.id)) {
      removeIds.add(p.id);
      continue;
    }
    if (unavailable.has(p.id)) continue;
    if (to.id === p.id) {
      keep.push(p);
      continue;
    }
    const order = compareRelease(to, p);
    (order > 0 ? upgrade : order < 0 ? downgrade : rebuild).push({ from: p, to });
  }

  const install = orderPackages(
    [...result.values()].filter((c) => !installedIds.has(c.id)),
    (c) => reached.get(c.id)!.deps,
  );
  const installedNames = new Map(installed.map((p) => [p.meta.name, p]));
  const newDependencies = install.filter((c) => !installedNames.has(c.meta.name));

  const byId = new Map(installed.map((p) => [p.id, p]));
  const removing = installed.filter((p) => removeIds.has(p.id));
  const removingIndex = new ProviderIndex(removing.map(installedCandidate));
  const remove = orderPackages(removing.map(installedCandidate), (c) =>
    c.meta.depends.flatMap((d) => removingIndex.providers(d).map((x) => x.id)),
  )
    .reverse()
    .map(
      (c): Removal => ({
        package: byId.get(c.id)!,
        reason: 'orphan',
        because: 'nothing explicitly installed needs it after the sync',
      }),
    );

  const selections: Selection[] = [];
  for (const c of install) {
    const previous = installedNames.get(c.meta.name);
    if (previous !== undefined) selections.push(carry(previous, c.id));
    else {
      const r = reached.get(c.id)!;
      selections.push({
        id: c.id,
        explicit: false,
        reason: `required by ${r.parent!.candidate.meta.name} (${formatDependency(r.via!)})`,
      });
    }
  }
  for (const p of installed) if (result.has(p.id)) selections.push(carry(p, p.id));

  return {
    upgrade,
    downgrade,
    rebuild,
    newDependencies,
    install,
    remove,
    keep,
    unavailable: installed.filter((p) => unavailable.has(p.id)),
    selections,
  };
}

function compareRelease(a: Candidate | InstalledPackage, b: Candidate | InstalledPackage): number {
  return a.meta.release - b.meta.release || a.meta.buildRelease - b.meta.buildRelease;
}

function carry(p: Selection, id: string): Selection {
  return p.reason === undefined
    ? { id, explicit: p.explicit }
    : { id, explicit: p.explicit, reason: p.reason };
}
