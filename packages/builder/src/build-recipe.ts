import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunResult } from '@serpent/container';
import type { RecipeWarning } from '@serpent/recipe';
import type { BoulderDirs } from './boulder-dirs.js';
import type { BuildEvent } from './build-event.js';
import { type BuildRootEvent, installBuildRoot } from './build-root.js';
import { openBuildShell } from './build-shell.js';
import { missingOnHost } from './host-check.js';
import { type PlanOptions, planFromRecipe, type RecipePlan } from './plan-recipe.js';
import { type Profile, profileOf } from './profiles.js';
import { type BuildResult, type BuildRoot, buildContainer, runBuild } from './run-build.js';
import { GUEST, keepWorkspace, workspaceOf } from './workspace.js';

/** Everything a recipe build reports: the build's events, the root's, the recipe's warnings. */
export type RecipeBuildEvent =
  | BuildEvent
  | BuildRootEvent
  | { readonly type: 'recipe-warning'; readonly warning: RecipeWarning }
  | { readonly type: 'host-missing'; readonly dependencies: readonly string[] };

/**
 * Where a recipe builds: the host's `/usr`, or a root set up from a profile's repositories
 * through boulder's moss dir (`boulderDirs().mossDir`); `update` fetches their indexes again.
 */
export type RootChoice =
  | 'host'
  | { readonly profile: Profile; readonly mossDir: string; readonly update?: boolean };

/**
 * The root `boulder build` and `boulder chroot` use: the host's with `host`, else the profile
 * `profile` (default `DEFAULT_PROFILE`) of the config dirs, through the moss dir; `update`
 * fetches the profile's indexes again first.
 */
export async function chooseRoot(
  dirs: Pick<BoulderDirs, 'configDirs' | 'mossDir'>,
  choice: {
    readonly host?: boolean;
    readonly profile?: string | undefined;
    readonly update?: boolean;
  },
): Promise<RootChoice> {
  if (choice.host) return 'host';
  return {
    profile: await profileOf(dirs.configDirs, choice.profile),
    mossDir: dirs.mossDir,
    ...(choice.update ? { update: true } : {}),
  };
}

export interface RecipeBuildOptions extends Pick<PlanOptions, 'buildRelease' | 'jobs' | 'noPgo'> {
  /** A `stone.yaml`, or the directory holding it. */
  readonly recipe: string;
  readonly outputDir: string;
  readonly cacheDir: string;
  readonly root: RootChoice;
  readonly level?: number;
  readonly breakpoints?: 'shell' | 'ignore';
  readonly onEvent?: (e: RecipeBuildEvent) => void;
  readonly signal?: AbortSignal;
}

/**
 * `boulder build`: plan the recipe (every script expanded before anything else), make its
 * build root (checking the host's tools in host mode; otherwise `<cache>/root/<name>/usr` from
 * the profile through the moss dir, kept when it already is the same packages), then run the
 * build.
 */
export async function buildRecipe(
  opts: RecipeBuildOptions,
): Promise<BuildResult & { plan: RecipePlan; rootMs: number }> {
  const plan = await planRecipe(opts, {});
  const t0 = performance.now();
  const root = await buildRootFor(plan, opts, 'current');
  const rootMs = performance.now() - t0;
  const result = await runBuild(plan, {
    recipeDir: dirname(plan.recipeFile),
    outputDir: opts.outputDir,
    cacheDir: opts.cacheDir,
    root,
    ...pick(opts, ['onEvent', 'level', 'breakpoints', 'signal']),
  });
  return { ...result, plan, rootMs };
}

/**
 * `boulder chroot`: a login shell in the recipe's build root with its last build's directories
 * (a failed build's files are still there), in the work dir of its native target when a build
 * unpacked it, with the build's environment and macros (`a_<action>`, `d_<definition>`).
 * A missing build root is installed first.
 */
export async function openRecipeShell(
  opts: Pick<RecipeBuildOptions, 'recipe' | 'cacheDir' | 'root' | 'onEvent'>,
): Promise<RunResult & { plan: RecipePlan }> {
  const plan = await planRecipe(opts, { shellProfiles: true, noPgo: true });
  const root = await buildRootFor(plan, opts, 'existing');
  const ws = workspaceOf(opts.cacheDir, plan);
  await keepWorkspace(ws);
  const job = plan.targets.at(-1)!;
  await mkdir(join(ws.build, job.target), { recursive: true });
  const rel = plan.workDir === undefined ? undefined : join(job.target, plan.workDir);
  const unpacked = rel !== undefined && (await stat(join(ws.build, rel)).catch(() => undefined));
  const result = await openBuildShell({
    spec: buildContainer(plan, root, ws, dirname(plan.recipeFile)),
    ws,
    target: job.target,
    profile: job.shellProfile ?? '',
    cwd: unpacked ? `${GUEST.build}/${rel}` : `${GUEST.build}/${job.target}`,
  });
  return { ...result, plan };
}

async function planRecipe(
  opts: Pick<RecipeBuildOptions, 'recipe' | 'onEvent' | 'buildRelease' | 'jobs' | 'noPgo'>,
  extra: PlanOptions,
): Promise<RecipePlan> {
  return planFromRecipe(opts.recipe, {
    ...pick(opts, ['buildRelease', 'jobs', 'noPgo']),
    ...extra,
    onWarning: (warning) => opts.onEvent?.({ type: 'recipe-warning', warning }),
  });
}

async function buildRootFor(
  plan: RecipePlan,
  opts: Pick<RecipeBuildOptions, 'root' | 'cacheDir' | 'onEvent'>,
  // current: the packages the recipe needs now (a root that already is them is kept);
  // existing: whatever root the last build left, set up only when there is none.
  mode: 'current' | 'existing',
): Promise<BuildRoot> {
  if (opts.root === 'host') {
    const missing = missingOnHost(plan.rootDependencies);
    if (missing.length > 0) opts.onEvent?.({ type: 'host-missing', dependencies: missing });
    return 'host';
  }
  const dir = join(opts.cacheDir, 'root', plan.name);
  if (mode === 'existing' && (await stat(join(dir, 'usr')).catch(() => undefined))) return { path: dir };
  const { path } = await installBuildRoot({
    dir,
    mossDir: opts.root.mossDir,
    profile: opts.root.profile,
    packages: plan.rootPackages,
    ...(opts.root.update ? { update: true } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  return { path };
}

/** The keys of `o` that are set, as an object (exactOptionalPropertyTypes forbids undefined). */
function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
