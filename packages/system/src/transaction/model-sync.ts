import {
  addRepository,
  checkRepositoryUri,
  loadRepositories,
  parsePublicKey,
  type Repository,
  setRepositoryActive,
} from '@serpent/repository';
import { type ModelPlan, resolveModel, type SystemModel } from '@serpent/state-export';
import {
  type RepositoryStatus,
  refreshRepositories,
  refreshRepositoryList,
  repositoryCandidates,
  repositoryStatus,
  stateRepositories,
  statusOf,
} from '../repositories/repository-state.js';
import type { RootEvent } from '../root/root-types.js';
import { commitPackages, type Fetcher } from './install-packages.js';
import type { Installation } from './installation.js';
import { installedPackages } from './installed-packages.js';
import type { EventSink } from './transaction-event.js';

/** How the repository configuration changes to match a model that names repositories. */
export interface RepositoryChanges {
  /** Written to `etc/moss/repo.d/<id>.yaml`: new, or different from what is configured. */
  readonly write: readonly Repository[];
  /** Configured, active, not in the model: disabled (an admin override; `moss repo enable` undoes it). */
  readonly disable: readonly string[];
}

/** A model resolved against a root, ready to commit (`moss sync --model`). */
export interface PreparedModel {
  readonly model: SystemModel;
  readonly plan: ModelPlan;
  /** The repositories resolved against: the model's, or the configured ones. */
  readonly repositories: readonly RepositoryStatus[];
  readonly repositoryChanges: RepositoryChanges;
  /** True when neither the packages nor the repository configuration change. */
  readonly unchanged: boolean;
}

function modelRepositories(model: SystemModel): Repository[] {
  return (model.repositories ?? []).map((r) => ({
    id: r.id,
    description: r.description ?? '...',
    uri: checkRepositoryUri(r.uri, { repo: r.id }),
    priority: r.priority,
    active: r.active,
    keys: r.keys.map((k) => parsePublicKey(k, `a key of ${r.id} in the model`).base64),
    source: 'system model',
    scope: 'admin',
  }));
}

const same = (a: Repository, b: Repository) =>
  a.uri === b.uri &&
  a.priority === b.priority &&
  a.active === b.active &&
  a.description === b.description &&
  a.keys.join() === b.keys.join();

/**
 * Resolves a system model against this root without changing it. A model that names
 * repositories is resolved against those (their indexes fetched, keys checked, when they were
 * never fetched, no longer verify, or `update` asks for it) and the configuration is to follow
 * it; one that does not uses the configured repositories (all refreshed with `update`). Then
 * the model's packages and their dependencies are the new selection, installed releases
 * preferred (see resolveModel).
 */
export async function planModel(
  inst: Installation,
  model: SystemModel,
  options: { update?: boolean; onEvent?: ((e: RootEvent) => void) | undefined } = {},
): Promise<PreparedModel> {
  let repositories: RepositoryStatus[];
  let repositoryChanges: RepositoryChanges = { write: [], disable: [] };
  if (model.repositories !== undefined) {
    const wanted = modelRepositories(model);
    const statuses = await Promise.all(wanted.map((r) => statusOf(inst.root, r)));
    const stale = statuses.filter(
      (r) => r.active && (options.update || r.fetchedAt === undefined || !r.trusted),
    );
    await refreshRepositoryList(stale, options.onEvent);
    repositories = await Promise.all(wanted.map((r) => statusOf(inst.root, r)));
    const configured = (await loadRepositories(inst.root)).repositories;
    const byId = new Map(configured.map((r) => [r.id, r]));
    repositoryChanges = {
      write: wanted.filter((r) => {
        const now = byId.get(r.id);
        return now === undefined || !same(now, r);
      }),
      disable: configured.filter((r) => r.active && !wanted.some((w) => w.id === r.id)).map((r) => r.id),
    };
  } else {
    if (options.update) await refreshRepositories(inst.root, { onEvent: options.onEvent });
    repositories = (await repositoryStatus(inst.root)).repositories;
  }
  const candidates = await repositoryCandidates(inst.root, repositories);
  const plan = resolveModel({ packages: model.packages, installed: installedPackages(inst), candidates });
  return {
    model,
    plan,
    repositories,
    repositoryChanges,
    unchanged:
      plan.unchanged && repositoryChanges.write.length === 0 && repositoryChanges.disable.length === 0,
  };
}

/**
 * `moss sync --model`: the new selection in one transaction (when the packages change), then
 * the repository configuration made to match the model (each file written crash-safely). The
 * configuration follows the transaction, so a failed transaction leaves both as they were; a
 * crash between the two leaves the packages converged and the next run writes the files.
 * Returns the new state id, or undefined when only the configuration changed.
 */
export async function commitModel(
  inst: Installation,
  prepared: PreparedModel,
  options: { fetch?: Fetcher; onEvent?: EventSink } = {},
): Promise<number | undefined> {
  let stateId: number | undefined;
  if (!prepared.plan.unchanged) {
    stateId = await commitPackages(inst, {
      install: prepared.plan.install,
      selections: prepared.plan.selections,
      summary: 'Sync to model',
      repositories: await stateRepositories(inst.root, prepared.repositories),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }
  for (const r of prepared.repositoryChanges.write) {
    await addRepository(inst.root, {
      id: r.id,
      uri: r.uri,
      description: r.description,
      priority: r.priority,
      active: r.active,
      keys: r.keys,
    });
  }
  for (const id of prepared.repositoryChanges.disable) await setRepositoryActive(inst.root, id, false);
  return stateId;
}
