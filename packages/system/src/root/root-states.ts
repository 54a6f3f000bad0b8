import { existsSync } from 'node:fs';
import type { StateInfo } from '../db/state-db.js';
import type { Locked, RootSession } from './root-session.js';
import type { PrunePlan, PruneResult, StateSummary, States, StatesChangeOptions } from './root-types.js';

function summaryOf(l: Locked, s: StateInfo, active: number | undefined): StateSummary {
  return {
    id: s.id,
    summary: s.summary,
    description: s.description,
    created: s.created,
    packages: l.dbs.state.getState(s.id)?.selections.length ?? 0,
    active: s.id === active,
    tree: s.id === active || existsSync(l.layout.stateUsr(s.id)),
  };
}

/**
 * Plans and removes states in one locked call, so the states the caller confirmed are the
 * states removed. An empty plan is not confirmed (no state changes) but still reclaims what
 * nothing references: the downloads, assets and rows a failed install left (issue 14, C8).
 */
async function removeStates(
  session: RootSession,
  selection: { keep?: number; ids?: readonly number[] },
  options: StatesChangeOptions,
): Promise<PruneResult> {
  return session.locked(async (l) => {
    const inst = await l.engine();
    const { commitPrune, planPrune } = await import('../transaction/prune-states.js');
    const active = l.activeStateId();
    const planned = planPrune(inst, selection);
    const plan: PrunePlan = {
      states: planned.states.map((s) => summaryOf(l, { ...s, type: 'transaction' }, active)),
    };
    if (plan.states.length > 0) await options.confirm?.(plan);
    const result = await commitPrune(inst, planned, session.onEvent ? { onEvent: session.onEvent } : {});
    return { states: plan.states, ...result };
  });
}

export function rootStates(session: RootSession): States {
  const onEvent = () => (session.onEvent ? { onEvent: session.onEvent } : {});
  return {
    list: () =>
      session.locked((l) => {
        const active = l.activeStateId();
        return l.dbs.state
          .listStates()
          .sort((a, b) => b.id - a.id)
          .map((s) => summaryOf(l, s, active));
      }, 'read'),
    active: () =>
      session.locked((l) => {
        const id = l.activeStateId();
        const s = id === undefined ? undefined : l.dbs.state.getState(id);
        return s ? summaryOf(l, s, id) : undefined;
      }, 'read'),
    activate: (id, options = {}) =>
      session.locked(async (l) => {
        const { activateState } = await import('../transaction/apply-state.js');
        const { previousId } = await activateState(await l.engine(), id, {
          ...onEvent(),
          ...(options.skipTriggers ? { skipTriggers: true } : {}),
        });
        return { stateId: id, previousStateId: previousId };
      }),
    remove: (ids, options = {}) => removeStates(session, { ids }, options),
    prune: (options) => removeStates(session, { keep: options.keep }, options),
    verify: () =>
      session.locked(async (l) => {
        const { verifyState } = await import('../transaction/verify-state.js');
        return verifyState(await l.engine(), onEvent());
      }, 'read'),
    repair: (report) =>
      session.locked(async (l) => {
        const { repairState, verifyState } = await import('../transaction/verify-state.js');
        const inst = await l.engine();
        await repairState(inst, report, onEvent());
        return verifyState(inst);
      }),
    exportLock: (id, options = {}) =>
      session.locked(async (l) => {
        const { exportLock } = await import('../transaction/export-state.js');
        return exportLock(l, id, options.generator === undefined ? {} : { generator: options.generator });
      }, 'read'),
    exportModel: () =>
      session.locked(async (l) => {
        const { exportModel } = await import('../transaction/export-state.js');
        return exportModel(l);
      }, 'read'),
  };
}
