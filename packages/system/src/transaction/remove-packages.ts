import { type RemovePlan, resolveRemove } from '@serpent/resolve';
import { TransactionError } from '../transaction-error.js';
import { applyState } from './apply-state.js';
import type { Installation } from './installation.js';
import { installedPackages } from './installed-packages.js';
import type { EventSink } from './transaction-event.js';

/** Resolves a removal (with reverse dependencies and orphans) without changing anything. */
export function planRemove(
  inst: Pick<Installation, 'root' | 'dbs' | 'activeStateId'>,
  names: readonly string[],
): RemovePlan {
  const installed = installedPackages(inst);
  if (installed.length === 0) {
    throw new TransactionError('TX_NO_ACTIVE_STATE', `nothing is installed in ${inst.root}`, {
      hint: '`moss state list` shows the states; `moss install` installs packages',
    });
  }
  return resolveRemove({ request: names, installed });
}

/** Applies a removal: a new state of the remaining selections, re-blitted and swapped in. */
export async function commitRemove(
  inst: Installation,
  plan: RemovePlan,
  options: { onEvent?: EventSink } = {},
): Promise<number> {
  // What stays was resolved against the previous state's repositories.
  const previous = inst.activeStateId();
  const repositories = previous === undefined ? undefined : inst.dbs.state.getState(previous)?.repositories;
  return applyState(inst, {
    kind: 'new-state',
    summary: 'Remove',
    ...(repositories === undefined || repositories.length === 0 ? {} : { repositories }),
    selections: plan.selections.map((s) => ({
      packageId: s.id,
      explicit: s.explicit,
      ...(s.reason ? { reason: s.reason } : {}),
    })),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
