import type { InstalledPackage } from '@serpent/resolve';
import type { Installation } from './installation.js';

/** The active state's packages with their metadata, as the resolver takes them. */
export function installedPackages(inst: Installation): InstalledPackage[] {
  const id = inst.activeStateId();
  if (id === undefined) return [];
  const state = inst.dbs.state.getState(id);
  if (state === undefined) return [];
  const metas = new Map(
    inst.dbs.install.getPackages(state.selections.map((s) => s.packageId)).map((p) => [p.id, p.meta]),
  );
  return state.selections.flatMap((s) => {
    const meta = metas.get(s.packageId);
    return meta
      ? [{ id: s.packageId, explicit: s.explicit, ...(s.reason ? { reason: s.reason } : {}), meta }]
      : [];
  });
}
