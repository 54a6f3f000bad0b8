import type { PackageSummaryRow } from '../db/meta-db.js';
import type { SystemDbs } from '../db/system-dbs.js';

/** A package of the active state as a listing shows it. */
export interface InstalledSummary extends PackageSummaryRow {
  readonly explicit: boolean;
}

/**
 * The active state's packages with only what a listing shows (name, version, summary): one
 * query of the meta table instead of every package's dependency and provider rows
 * (installedPackages), ~5 ms instead of ~50 ms for 1,560 packages.
 */
export function installedSummaries(root: {
  readonly dbs: SystemDbs;
  activeStateId(): number | undefined;
}): InstalledSummary[] {
  const id = root.activeStateId();
  if (id === undefined) return [];
  const state = root.dbs.state.getState(id);
  if (state === undefined) return [];
  const explicit = new Map(state.selections.map((s) => [s.packageId, s.explicit]));
  return root.dbs.install
    .getSummaries(state.selections.map((s) => s.packageId))
    .map((p) => ({ ...p, explicit: explicit.get(p.id) === true }));
}
