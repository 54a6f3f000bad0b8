import type { InstalledPackage } from '@serpent/resolve';
import type { SystemDbs } from '../db/system-dbs.js';

/** The active state's packages with their metadata, as the resolver takes them. */
export function installedPackages(root: {
  readonly dbs: SystemDbs;
  activeStateId(): number | undefined;
}): InstalledPackage[] {
  const id = root.activeStateId();
  if (id === undefined) return [];
  const state = root.dbs.state.getState(id);
  if (state === undefined) return [];
  const metas = new Map(
    root.dbs.install.getPackages(state.selections.map((s) => s.packageId)).map((p) => [p.id, p.meta]),
  );
  return state.selections.flatMap((s) => {
    const meta = metas.get(s.packageId);
    return meta
      ? [{ id: s.packageId, explicit: s.explicit, ...(s.reason ? { reason: s.reason } : {}), meta }]
      : [];
  });
}
