import { type Candidate, type InstalledPackage, resolveInstall, type Selection } from '@serpent/resolve';

/** What converging to a model changes. */
export interface ModelPlan {
  /** Packages to add, dependencies first. */
  readonly install: Candidate[];
  /** Installed packages nothing in the model needs. */
  readonly remove: InstalledPackage[];
  /** Installed packages that stay. */
  readonly keep: InstalledPackage[];
  /** Of those, the ones whose explicit flag changes (listed in the model or not any more). */
  readonly reflag: InstalledPackage[];
  /** The selections of the new state. */
  readonly selections: Selection[];
  readonly unchanged: boolean;
}

/**
 * Converges the installed packages to a model's wanted packages: the new selection is the
 * model's packages and their dependencies, nothing else. What is installed is preferred to what
 * the repositories offer (as an installed provider; a model names no versions, so converging
 * never upgrades: `moss sync` does that), missing packages come from `candidates`, and installed
 * packages nothing in the model needs go. Throws the resolver's errors (RESOLVE_NOT_FOUND naming
 * every unknown entry, RESOLVE_MISSING_PROVIDER with its chain, RESOLVE_CONFLICT). Pure.
 */
export function resolveModel(input: {
  readonly packages: readonly string[];
  readonly installed: readonly InstalledPackage[];
  readonly candidates: readonly Candidate[];
}): ModelPlan {
  // Resolved as a fresh install of the model (nothing installed), with the installed packages
  // offered first as local candidates: the closure of the model, reusing what is there.
  const installedAsLocal: Candidate[] = input.installed.map((p) => ({
    id: p.id,
    meta: p.meta,
    source: { kind: 'local', name: 'installed' },
  }));
  const plan = resolveInstall({
    request: input.packages,
    installed: [],
    candidates: [...installedAsLocal, ...input.candidates],
  });
  const wanted = new Set(plan.selections.map((s) => s.id));
  const installedById = new Map(input.installed.map((p) => [p.id, p]));
  const explicit = new Map(plan.selections.map((s) => [s.id, s.explicit]));
  const install = plan.install.filter((c) => !installedById.has(c.id));
  const remove = input.installed.filter((p) => !wanted.has(p.id));
  const keep = input.installed.filter((p) => wanted.has(p.id));
  const reflag = keep.filter((p) => explicit.get(p.id) !== p.explicit);
  const selections = plan.selections.map((s) => {
    const now = installedById.get(s.id);
    // A package that stays with its flag keeps the reason it was installed for.
    return now !== undefined && now.explicit === s.explicit && now.reason !== undefined
      ? { id: s.id, explicit: s.explicit, reason: now.reason }
      : s;
  });
  return {
    install,
    remove,
    keep,
    reflag,
    selections,
    unchanged: install.length === 0 && remove.length === 0 && reflag.length === 0,
  };
}
