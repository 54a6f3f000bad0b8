import { mkdir, rm } from 'node:fs/promises';
import { addRepository } from '@serpent/repository';
import {
  commitInstall,
  openInstallation,
  planInstall,
  refreshRepositories,
  repositoryCandidates,
  repositoryFetcher,
} from '@serpent/system';
import type { Profile } from './profiles.js';

export type BuildRootEvent =
  | { readonly type: 'root-refreshed'; readonly repository: string; readonly packages: number }
  | { readonly type: 'root-installing'; readonly packages: readonly string[] };

export interface BuildRootRequest {
  /** Where the root goes (boulder: `<cache>/root/<recipe name>`); replaced. */
  readonly dir: string;
  readonly profile: Profile;
  /** What the recipe needs: its build and check dependencies and what its macros need. */
  readonly packages: readonly string[];
  readonly onEvent?: (e: BuildRootEvent) => void;
}

/**
 * Installs a build root with moss's engine, in two steps kept apart on purpose: configure the
 * profile's repositories in the root (as a client named `boulder`) and fetch their indexes,
 * then resolve `packages` with their dependencies and commit them as a state like any other.
 * Today the root is rebuilt from nothing each time, with its own store and download cache, so
 * no earlier build leaks into it; sharing the host's store and the staging trees of earlier
 * roots (`moss install --to`) replaces only the second step (see docs/ARCHITECTURE.md).
 */
export async function installBuildRoot(req: BuildRootRequest): Promise<{ readonly path: string }> {
  await rm(req.dir, { recursive: true, force: true });
  await mkdir(req.dir, { recursive: true });
  await configureRepositories(req);
  const inst = await openInstallation(req.dir, { command: 'boulder build (build root)' });
  try {
    const prepared = planInstall(inst, {
      names: req.packages,
      candidates: await repositoryCandidates(req.dir),
    });
    req.onEvent?.({ type: 'root-installing', packages: prepared.plan.install.map((c) => c.meta.name) });
    await commitInstall(inst, prepared, { fetch: repositoryFetcher(inst), summary: 'Build root' });
  } finally {
    await inst.close();
  }
  return { path: req.dir };
}

async function configureRepositories(req: BuildRootRequest): Promise<void> {
  for (const [id, r] of Object.entries(req.profile.repositories)) {
    await addRepository(req.dir, {
      id,
      uri: r.uri,
      description: r.description,
      priority: r.priority,
      active: r.active,
    });
  }
  await refreshRepositories(req.dir, {
    onEvent: (e) => {
      if (e.type === 'refreshed')
        req.onEvent?.({ type: 'root-refreshed', repository: e.repo, packages: e.packages });
    },
  });
}
