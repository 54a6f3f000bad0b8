import { type Candidate, resolveSync, type SyncPlan } from '@serpent/resolve';
import type { StateRepository } from '../db/state-db.js';
import { stateRepositories } from '../repositories/repository-state.js';
import { TransactionError } from '../transaction-error.js';
import { commitPackages, type Fetcher } from './install-packages.js';
import type { Installation } from './installation.js';
import { installedPackages } from './installed-packages.js';
import type { EventSink } from './transaction-event.js';

/** What `moss sync` would do: every installed package moved to what the repositories offer. */
export function planSync(
  inst: Pick<Installation, 'root' | 'dbs' | 'activeStateId'>,
  candidates: readonly Candidate[],
  options: { upgradeOnly?: boolean } = {},
): SyncPlan {
  const installed = installedPackages(inst);
  if (installed.length === 0) {
    throw new TransactionError(
      'TX_NO_ACTIVE_STATE',
      `nothing is installed in ${inst.root}, so there is nothing to sync`,
      {
        hint: '`moss install NAME` installs packages',
      },
    );
  }
  return resolveSync({ installed, candidates, ...(options.upgradeOnly ? { upgradeOnly: true } : {}) });
}

/** True when the plan changes nothing. */
export function syncIsEmpty(plan: SyncPlan): boolean {
  return plan.install.length === 0 && plan.remove.length === 0;
}

/** Applies a sync in one transaction: fetch and precache what is new, then the new state. */
export async function commitSync(
  inst: Installation,
  plan: SyncPlan,
  options: { fetch?: Fetcher; onEvent?: EventSink; repositories?: readonly StateRepository[] } = {},
): Promise<number> {
  return commitPackages(inst, {
    install: plan.install,
    selections: plan.selections,
    summary: 'Sync',
    repositories: options.repositories ?? (await stateRepositories(inst.root)),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
