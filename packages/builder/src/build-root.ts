import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isSerpentError } from '@serpent/errors';
import { openRoot, type RootEvent } from '@serpent/system';
import { BuildError } from './build-error.js';
import { type Profile, profileRepositories } from './profiles.js';

export type BuildRootEvent =
  | { readonly type: 'root-waiting'; readonly mossDir: string; readonly pid?: number }
  | {
      readonly type: 'root-refreshed';
      readonly repository: string;
      readonly packages: number;
      /** The server said the cached index is current (a conditional request). */
      readonly notModified: boolean;
    }
  | { readonly type: 'root-installing'; readonly packages: readonly string[] }
  /** A step of setting the root up (resolve, fetch, precache, build, blit, ...) and its time. */
  | { readonly type: 'root-step'; readonly step: string; readonly ms: number }
  | {
      readonly type: 'root-ready';
      readonly path: string;
      readonly entries: number;
      /** The root already was these packages, untouched: kept as it was. */
      readonly kept: boolean;
      readonly ms: number;
    };

export interface BuildRootRequest {
  /** Where the root goes (boulder: `<cache>/root/<recipe name>`); only its `usr/` is replaced. */
  readonly dir: string;
  /**
   * boulder's moss dir (`boulderDirs().mossDir`): the profile's indexes, the downloads and the
   * store shared by every build root; on the same filesystem as `dir` (the root is hard links).
   */
  readonly mossDir: string;
  readonly profile: Profile;
  /** What the recipe needs: its build and check dependencies and what its macros need. */
  readonly packages: readonly string[];
  /** Fetch the profile's indexes again first (`boulder build --update`); otherwise only never-fetched ones. */
  readonly update?: boolean;
  readonly onEvent?: (e: BuildRootEvent) => void;
}

/**
 * Sets a build root up as the original boulder does, `moss -D <mossDir> install --to <dir>`:
 * the packages are resolved against the profile's repositories (used as they are, never
 * configured in the moss dir; an index is fetched when it never was or `update` asks), fetched
 * and unpacked into the moss dir's store once for every build, and `dir/usr` becomes hard links
 * into that store. A root that already is exactly these packages, untouched since (the
 * container mounts it read-only for every phase), is kept as it is: a second build of a recipe
 * resolves and checks, and neither downloads, unpacks nor links anything.
 */
export async function installBuildRoot(
  req: BuildRootRequest,
): Promise<{ readonly path: string; readonly entries: number; readonly kept: boolean }> {
  const t0 = performance.now();
  const dir = resolve(req.dir);
  const mossDir = resolve(req.mossDir);
  if (dir === mossDir) {
    throw new BuildError('BUILD_ROOT_INVALID', `the build root ${dir} is boulder's moss dir`, {
      hint: 'give --moss-root a directory of its own',
      details: { root: dir, mossDir },
    });
  }
  await mkdir(dir, { recursive: true });
  await mkdir(mossDir, { recursive: true });
  // Build roots of earlier boulder versions were whole moss roots with a store of their own.
  if (await stat(join(dir, '.moss')).catch(() => undefined))
    await rm(join(dir, '.moss'), { recursive: true, force: true });
  const emit = req.onEvent ?? (() => {});
  await using moss = await openRoot(mossDir, {
    command: `boulder (build root ${dir})`,
    onEvent: (e) => forward(e, mossDir, emit),
  });
  const list = profileRepositories(req.profile);
  const t1 = performance.now();
  const plan = await moss
    .plan({
      add: [...req.packages],
      to: dir,
      // `boulder`: the cache dirs the original boulder uses for its explicit repositories.
      repositories: { list, client: 'boulder', ...(req.update ? { update: true } : {}) },
    })
    .catch(targetError(dir, mossDir));
  emit({ type: 'root-step', step: 'resolve', ms: performance.now() - t1 });
  emit({ type: 'root-installing', packages: plan.install.map((p) => p.name) });
  const result = await moss.commit(plan).catch(targetError(dir, mossDir));
  const target = result.target!;
  emit({
    type: 'root-ready',
    path: dir,
    entries: target.entries,
    kept: target.kept,
    ms: performance.now() - t0,
  });
  return { path: dir, entries: target.entries, kept: target.kept };
}

/** moss's TX_TARGET_INVALID (another filesystem than the store, ...) in boulder's words. */
function targetError(dir: string, mossDir: string): (err: unknown) => never {
  return (err) => {
    if (isSerpentError(err) && err.code === 'TX_TARGET_INVALID') {
      throw new BuildError('BUILD_ROOT_INVALID', err.message, {
        hint: 'a build root is hard links into the moss dir: pass --moss-root on the filesystem of --cache-dir',
        details: { root: dir, mossDir },
        cause: err,
      });
    }
    throw err;
  };
}

function forward(e: RootEvent, mossDir: string, emit: (e: BuildRootEvent) => void): void {
  if (e.type === 'waiting-for-lock')
    emit({ type: 'root-waiting', mossDir, ...(e.pid === undefined ? {} : { pid: e.pid }) });
  else if (e.type === 'repository-refreshed')
    emit({ type: 'root-refreshed', repository: e.repo, packages: e.packages, notModified: e.notModified });
  else if (e.type === 'phase-end') emit({ type: 'root-step', step: e.phase, ms: e.ms });
}
