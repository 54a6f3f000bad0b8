import { mkdirSync, rmSync } from 'node:fs';
import type { Profile } from '@serpent/builder';
import type { CommandIo } from '@serpent/cli';
import { openRoot } from '@serpent/system';

/**
 * Installs a fresh build root with moss's engine: the profile's repositories are configured in
 * it, their indexes fetched, and `packages` (the recipe's build dependencies and what its macros
 * need) resolved and installed with their dependencies, as a state like any other. The root is
 * rebuilt for every build so no earlier build leaks into it.
 */
export async function installBuildRoot(
  dir: string,
  profile: Profile,
  packages: readonly string[],
  io: CommandIo,
): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await using root = await openRoot(dir, { command: 'boulder build (build root)' });
  // Only the active ones: a disabled repository would offer nothing to the build root anyway.
  for (const [id, r] of Object.entries(profile.repositories).filter(([, r]) => r.active)) {
    const added = await root.repositories.add({
      id,
      uri: r.uri,
      priority: r.priority,
      description: r.description,
    });
    io.stdout(`refreshed ${added.repo}: ${added.packages} package(s)\n`);
  }
  const plan = await root.plan({ add: [...packages] });
  io.stdout(`build root: installing ${plan.install.map((p) => p.name).join(' ')}\n`);
  await root.commit(plan);
}
