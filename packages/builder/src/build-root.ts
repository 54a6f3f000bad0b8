import { mkdir, rm } from 'node:fs/promises';
import { openRoot } from '@serpent/system';
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
 * profile's active repositories in the root and fetch their indexes,
 * then resolve `packages` with their dependencies and commit them as a state like any other.
 * Today the root is rebuilt from nothing each time, with its own store and download cache, so
 * no earlier build leaks into it; sharing the host's store and the staging trees of earlier
 * roots (`moss install --to`) replaces only the second step (see docs/ARCHITECTURE.md).
 */
export async function installBuildRoot(req: BuildRootRequest): Promise<{ readonly path: string }> {
  await rm(req.dir, { recursive: true, force: true });
  await mkdir(req.dir, { recursive: true });
  await using root = await openRoot(req.dir, { command: 'boulder build (build root)' });
  // Only the active ones: a disabled repository would offer nothing to the build root anyway.
  for (const [id, r] of Object.entries(req.profile.repositories).filter(([, r]) => r.active)) {
    const added = await root.repositories.add({
      id,
      uri: r.uri,
      priority: r.priority,
      description: r.description,
    });
    req.onEvent?.({ type: 'root-refreshed', repository: added.repo, packages: added.packages });
  }
  const plan = await root.plan({ add: [...req.packages] });
  req.onEvent?.({ type: 'root-installing', packages: plan.install.map((p) => p.name) });
  await root.commit(plan);
  return { path: req.dir };
}
