import type {
  Candidate,
  InstalledPackage,
  Removal,
  RemovePlan,
  SyncChange,
  SyncPlan,
} from '@serpent/resolve';
import { explicitRepositories } from '../repositories/explicit-repositories.js';
import {
  refreshRepositories,
  repositoryCandidates,
  repositoryFetcher,
} from '../repositories/repository-state.js';
import { warmForSpares } from '../transaction/dirty-scan.js';
import type { PreparedInstall } from '../transaction/install-packages.js';
import type { PreparedLock } from '../transaction/lock-sync.js';
import type { PreparedModel } from '../transaction/model-sync.js';
import { TransactionError } from '../transaction-error.js';
import { summaryOf } from './root-packages.js';
import type { Locked, RootSession } from './root-session.js';
import type {
  CommitResult,
  Plan,
  PlannedChange,
  PlannedPackage,
  PlannedRemoval,
  PlanRequest,
} from './root-types.js';

/** What commit needs beside the plan it showed: the resolver's own answer. */
type Resolved =
  | { readonly kind: 'install'; readonly prepared: PreparedInstall; readonly to?: string }
  | { readonly kind: 'remove'; readonly plan: RemovePlan }
  | { readonly kind: 'sync'; readonly plan: SyncPlan }
  | { readonly kind: 'lock'; readonly prepared: PreparedLock; readonly to?: string }
  | { readonly kind: 'model'; readonly prepared: PreparedModel };

/**
 * Plans stay plain data (shown, printed as JSON); what commit needs to carry one out is kept
 * here, keyed by the plan object, so only a plan this Root made can be committed, and once.
 */
const resolved = new WeakMap<Plan, Resolved>();

function planned(p: Candidate | InstalledPackage): PlannedPackage {
  const source =
    'source' in p ? (p.source.kind === 'repository' ? 'repository' : p.source.kind) : 'installed';
  return { ...summaryOf(p), source };
}

const release = (m: { version: string; release: number }) => `${m.version}-${m.release}`;

function change(c: SyncChange): PlannedChange {
  return { name: c.from.meta.name, from: release(c.from.meta), to: release(c.to.meta) };
}

function removal(r: Removal): PlannedRemoval {
  return { package: planned(r.package), reason: r.reason, because: r.because };
}

const NONE = {
  install: [],
  remove: [],
  upgrade: [],
  downgrade: [],
  rebuild: [],
  replace: [],
  newDependencies: [],
  alreadyInstalled: [],
  unavailable: [],
  reflag: [],
  configure: [],
} as const;

/** Up, down or rebuilt: a change of release as `sync` sorts them. */
function sortChanges(list: readonly SyncChange[]) {
  const order = (c: SyncChange) =>
    c.to.meta.release - c.from.meta.release || c.to.meta.buildRelease - c.from.meta.buildRelease;
  return {
    upgrade: list.filter((c) => order(c) > 0).map(change),
    downgrade: list.filter((c) => order(c) < 0).map(change),
    rebuild: list.filter((c) => order(c) === 0).map(change),
  };
}

function checkRequest(request: PlanRequest): Plan['kind'] {
  const kinds = [
    ...(request.add?.length ? (['install'] as const) : []),
    ...(request.remove?.length ? (['remove'] as const) : []),
    ...(request.sync ? (['sync'] as const) : []),
    ...(request.lock ? (['lock'] as const) : []),
    ...(request.model ? (['model'] as const) : []),
  ];
  if (kinds.length !== 1) {
    throw new TransactionError(
      'TX_PLAN_INVALID',
      kinds.length === 0
        ? 'nothing to plan: name packages to add or remove, or ask for a sync'
        : `one change at a time: ${kinds.join(' and ')} were asked for together`,
      { details: { request: Object.keys(request) } },
    );
  }
  if (request.repositories !== undefined && kinds[0] !== 'install') {
    throw new TransactionError('TX_PLAN_INVALID', '`repositories` goes with `add` only', {
      details: { request: Object.keys(request) },
    });
  }
  if (request.to !== undefined && kinds[0] !== 'install' && kinds[0] !== 'lock') {
    throw new TransactionError('TX_PLAN_INVALID', '`to` goes with `add` or `lock` only', {
      details: { request: Object.keys(request) },
    });
  }
  return kinds[0]!;
}

async function planInstallOf(session: RootSession, l: Locked, request: PlanRequest): Promise<Plan> {
  const add = request.add ?? [];
  const { planInstall, readLocalStones } = await import('../transaction/install-packages.js');
  const { checkInstallTarget } = await import('../transaction/install-to.js');
  const inst = await l.engine();
  const names = add.filter((a) => !a.endsWith('.stone'));
  const stones = await readLocalStones(add.filter((a) => a.endsWith('.stone')));
  // Repositories are read only when a name or provider has to be looked up.
  const candidates =
    names.length === 0
      ? []
      : request.repositories
        ? await repositoryCandidates(
            l.root,
            (
              await explicitRepositories(l.root, request.repositories, {
                onEvent: session.onEvent,
                maxIndexBytes: session.maxIndexBytes,
              })
            ).repositories,
          )
        : await repositoryCandidates(l.root);
  const to = request.to;
  const prepared = planInstall(inst, { stones, names, candidates }, { ignoreInstalled: to !== undefined });
  // An unusable target is said before any prompt, not after the downloads.
  if (to !== undefined) checkInstallTarget(inst, to);
  const plan: Plan = {
    ...NONE,
    kind: 'install',
    ...(to === undefined ? {} : { to }),
    install: prepared.plan.install.map(planned),
    replace: prepared.replaced,
    alreadyInstalled: prepared.plan.alreadyInstalled.map(planned),
    empty: prepared.plan.install.length === 0 && prepared.replaced.length === 0,
    baseStateId: l.activeStateId() ?? null,
  };
  resolved.set(plan, { kind: 'install', prepared, ...(to === undefined ? {} : { to }) });
  return plan;
}

async function planRemoveOf(l: Locked, names: readonly string[]): Promise<Plan> {
  const { planRemove } = await import('../transaction/remove-packages.js');
  const removePlan = planRemove(l, names);
  const plan: Plan = {
    ...NONE,
    kind: 'remove',
    remove: removePlan.remove.map(removal),
    empty: removePlan.remove.length === 0,
    baseStateId: l.activeStateId() ?? null,
  };
  resolved.set(plan, { kind: 'remove', plan: removePlan });
  return plan;
}

async function planSyncOf(session: RootSession, l: Locked, request: PlanRequest): Promise<Plan> {
  const sync = typeof request.sync === 'object' ? request.sync : {};
  if (sync.update)
    await refreshRepositories(l.root, { onEvent: session.onEvent, maxIndexBytes: session.maxIndexBytes });
  const { planSync } = await import('../transaction/sync-packages.js');
  const syncPlan = planSync(l, await repositoryCandidates(l.root), {
    upgradeOnly: sync.upgradeOnly === true,
  });
  const plan: Plan = {
    ...NONE,
    kind: 'sync',
    install: syncPlan.install.map(planned),
    remove: syncPlan.remove.map(removal),
    upgrade: syncPlan.upgrade.map(change),
    downgrade: syncPlan.downgrade.map(change),
    rebuild: syncPlan.rebuild.map(change),
    newDependencies: syncPlan.newDependencies.map(planned),
    unavailable: syncPlan.unavailable.map(planned),
    empty: syncPlan.install.length === 0 && syncPlan.remove.length === 0,
    baseStateId: l.activeStateId() ?? null,
  };
  resolved.set(plan, { kind: 'sync', plan: syncPlan });
  return plan;
}

/** `moss sync --lock`, `install --to DIR --lock`: exactly the lock's packages. */
async function planLockOf(session: RootSession, l: Locked, request: PlanRequest): Promise<Plan> {
  const { lock, source = 'the lock' } = request.lock!;
  const { planLock } = await import('../transaction/lock-sync.js');
  const { checkInstallTarget } = await import('../transaction/install-to.js');
  const inst = await l.engine();
  const to = request.to;
  const prepared = await planLock(inst, lock, {
    source,
    ignoreInstalled: to !== undefined,
    ...(session.onEvent ? { onEvent: session.onEvent } : {}),
  });
  if (to !== undefined) checkInstallTarget(inst, to);
  const { plan: p } = prepared;
  const changedFrom = new Set(p.change.map((c) => c.from.id));
  const plan: Plan = {
    ...NONE,
    kind: 'lock',
    ...(to === undefined ? {} : { to }),
    install: p.install.map(planned),
    remove: p.remove
      .filter((x) => !changedFrom.has(x.id))
      .map((x) => ({ package: planned(x), reason: 'not-locked', because: `not in ${source}` })),
    ...sortChanges(p.change),
    reflag: p.reflag.map((x) => ({ name: x.meta.name, explicit: !x.explicit })),
    empty: to === undefined ? p.unchanged : p.install.length === 0,
    baseStateId: l.activeStateId() ?? null,
  };
  resolved.set(plan, { kind: 'lock', prepared, ...(to === undefined ? {} : { to }) });
  return plan;
}

/** `moss sync --model`: the model's packages and what they need, nothing else. */
async function planModelOf(session: RootSession, l: Locked, request: PlanRequest): Promise<Plan> {
  const { model, update } = request.model!;
  const { planModel } = await import('../transaction/model-sync.js');
  const inst = await l.engine();
  const prepared = await planModel(inst, model, { update: update === true, onEvent: session.onEvent });
  const { plan: p, repositoryChanges } = prepared;
  const plan: Plan = {
    ...NONE,
    kind: 'model',
    install: p.install.map(planned),
    remove: p.remove.map((x) => ({
      package: planned(x),
      reason: 'not-wanted',
      because: 'the model neither wants nor needs it',
    })),
    reflag: p.reflag.map((x) => ({ name: x.meta.name, explicit: !x.explicit })),
    configure: [
      ...repositoryChanges.write.map((r) => ({ id: r.id, action: 'write' as const, uri: r.uri })),
      ...repositoryChanges.disable.map((id) => ({ id, action: 'disable' as const, uri: '' })),
    ],
    empty: prepared.unchanged,
    baseStateId: l.activeStateId() ?? null,
  };
  resolved.set(plan, { kind: 'model', prepared });
  return plan;
}

export async function planChange(session: RootSession, request: PlanRequest): Promise<Plan> {
  const kind = checkRequest(request);
  if (request.to === undefined) warmForSpares(session.layout.rootsDir);
  return session.locked((l) => {
    switch (kind) {
      case 'install':
        return planInstallOf(session, l, request);
      case 'remove':
        return planRemoveOf(l, request.remove ?? []);
      case 'sync':
        return planSyncOf(session, l, request);
      case 'lock':
        return planLockOf(session, l, request);
      case 'model':
        return planModelOf(session, l, request);
    }
  });
}

export function commitChange(session: RootSession, plan: Plan): Promise<CommitResult> {
  const r = resolved.get(plan);
  if (r === undefined) {
    return Promise.reject(
      new TransactionError(
        'TX_PLAN_UNKNOWN',
        'this plan was not made by this root, or was committed already',
        {
          hint: 'make a new plan with root.plan(...) and commit that',
        },
      ),
    );
  }
  resolved.delete(plan);
  if (!('to' in r && r.to !== undefined)) warmForSpares(session.layout.rootsDir);
  return session.locked(async (l) => {
    const active = l.activeStateId() ?? null;
    if (active !== plan.baseStateId) {
      throw new TransactionError(
        'TX_PLAN_STALE',
        `the root changed since the plan was made: state ${active ?? 'none'} is active, the plan was made on ${plan.baseStateId ?? 'none'}`,
        {
          hint: 'plan again (run the command again) and confirm the new plan',
          details: { active, plan: plan.baseStateId },
        },
      );
    }
    if (plan.empty) return { stateId: active, previousStateId: active };
    const inst = await l.engine();
    const onEvent = session.onEvent;
    const events = onEvent ? { onEvent } : {};
    const fetch = repositoryFetcher(inst, onEvent);
    if (r.kind === 'install' && r.to !== undefined) {
      const { commitInstallTo } = await import('../transaction/install-to.js');
      const target = await commitInstallTo(inst, r.prepared, r.to, { ...events, fetch });
      return { stateId: active, previousStateId: active, target };
    }
    if (r.kind === 'lock' && r.to !== undefined) {
      const { commitLockTo } = await import('../transaction/lock-sync.js');
      const target = await commitLockTo(inst, r.prepared, r.to, { ...events, fetch });
      return { stateId: active, previousStateId: active, target };
    }
    if (r.kind === 'model') {
      const { commitModel } = await import('../transaction/model-sync.js');
      const stateId = await commitModel(inst, r.prepared, { ...events, fetch });
      return { stateId: stateId ?? active, previousStateId: active };
    }
    let stateId: number;
    if (r.kind === 'lock') {
      const { commitLock } = await import('../transaction/lock-sync.js');
      stateId = await commitLock(inst, r.prepared, { ...events, fetch });
    } else if (r.kind === 'install') {
      const { commitInstall } = await import('../transaction/install-packages.js');
      stateId = await commitInstall(inst, r.prepared, { ...events, fetch });
    } else if (r.kind === 'remove') {
      const { commitRemove } = await import('../transaction/remove-packages.js');
      stateId = await commitRemove(inst, r.plan, events);
    } else {
      const { commitSync } = await import('../transaction/sync-packages.js');
      stateId = await commitSync(inst, r.plan, { ...events, fetch });
    }
    return { stateId, previousStateId: active };
  });
}
