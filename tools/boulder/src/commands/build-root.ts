import { mkdirSync, rmSync } from 'node:fs';
import type { Profile } from '@serpent/builder';
import type { CommandIo } from '@serpent/cli';
import { addRepository } from '@serpent/repository';
import {
  commitInstall,
  openInstallation,
  planInstall,
  refreshRepositories,
  repositoryCandidates,
  repositoryFetcher,
} from '@serpent/system';

/**
 * Installs a fresh build root with moss's engine: the profile's repositories are configured in
 * it (as the `boulder` client), their indexes fetched, and `packages` (the recipe's build
 * dependencies and what its macros need) resolved and installed with their dependencies, as a
 * state like any other. The root is rebuilt for every build so no earlier build leaks into it.
 */
export async function installBuildRoot(
  dir: string,
  profile: Profile,
  packages: readonly string[],
  io: CommandIo,
): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [id, r] of Object.entries(profile.repositories)) {
    await addRepository(dir, {
      id,
      uri: r.uri,
      description: r.description,
      priority: r.priority,
      active: r.active,
    });
  }
  await refreshRepositories(dir, {
    onEvent: (e) => {
      if (e.type === 'refreshed') io.stdout(`refreshed ${e.repo}: ${e.packages} package(s)\n`);
    },
  });
  const inst = await openInstallation(dir, { command: 'boulder build (build root)' });
  try {
    const prepared = planInstall(inst, { names: packages, candidates: await repositoryCandidates(dir) });
    io.stdout(`build root: installing ${prepared.plan.install.map((c) => c.meta.name).join(' ')}\n`);
    await commitInstall(inst, prepared, { fetch: repositoryFetcher(inst), summary: 'Build root' });
  } finally {
    await inst.close();
  }
}
