import { stat } from 'node:fs/promises';
import type { ContainerSpec } from '@serpent/container';
import { BuildError } from './build-error.js';
import type { BuildEvent, PhaseTiming } from './build-event.js';
import type { BuildPlan } from './build-plan.js';
import type { Emission } from './emit.js';
import { fetchUpstreams } from './fetch-upstreams.js';
import { packageBuild } from './package-build.js';
import type { PhaseContext } from './phase-runner.js';
import { runJobs } from './run-jobs.js';
import { splitDebugInfo } from './split-debug.js';
import { createWorkspace, type Workspace, workspaceBinds, workspaceOf } from './workspace.js';

/** Where the phases find their tools and libraries. */
export type BuildRoot =
  /** Bootstrap mode: the host's `/usr` and `/etc`, read-only. */
  | 'host'
  /** A root filesystem populated beforehand (e.g. `installBuildRoot` from the profile's repositories). */
  | { readonly path: string };

export interface BuildOptions {
  /** The recipe's directory, mounted read-only at `/mason/recipe` (`%(pkgdir)` is its `pkg/`). */
  readonly recipeDir: string;
  /** Where the stones and manifests go; must exist. */
  readonly outputDir: string;
  /** Upstream cache and per-build work dirs. */
  readonly cacheDir: string;
  readonly root: BuildRoot;
  readonly onEvent?: (e: BuildEvent) => void;
  /** zstd level of the stones; default 18 as boulder. */
  readonly level?: number;
  readonly signal?: AbortSignal;
  /** `shell` (default): a breakpoint opens a shell on this process's terminal; `ignore`: build through. */
  readonly breakpoints?: 'shell' | 'ignore';
}

export interface BuildResult extends Emission {
  readonly timings: readonly PhaseTiming[];
  readonly steps: Readonly<Record<'fetch' | 'collect' | 'analyze' | 'emit', number>>;
  /** The per-build work dir (`build/`, `install/`, `logs/`), kept for inspection. */
  readonly workDir: string;
}

/** The container every phase of a build runs in. */
export function buildContainer(
  plan: Pick<BuildPlan, 'networking'>,
  root: BuildRoot,
  ws: Workspace,
  recipeDir: string,
): ContainerSpec {
  return {
    root: root === 'host' ? 'host' : root.path,
    binds: workspaceBinds(ws, recipeDir),
    networking: plan.networking,
    hostname: 'boulder',
  };
}

/**
 * Builds a plan into stones: fetch and verify every upstream (before any phase), run each job
 * (target × PGO stage) in fresh namespaced containers with only the build and install dirs
 * writable, split debug info, then collect, analyse (Python metadata read in the build root) and emit. Each
 * phase has its own log and timing; a failing phase throws `BUILD_PHASE_FAILED` with a short
 * summary of why.
 */
export async function runBuild(plan: BuildPlan, opts: BuildOptions): Promise<BuildResult> {
  await checkPlan(plan, opts.outputDir);
  const emit = opts.onEvent ?? (() => {});
  const t0 = performance.now();
  const fetched = await fetchUpstreams(plan.upstreams, { cacheDir: opts.cacheDir, onEvent: emit });
  const fetch = performance.now() - t0;
  emit({ type: 'step', step: 'fetch', ms: fetch });

  const ws = workspaceOf(opts.cacheDir, plan);
  await createWorkspace(ws, fetched);
  const ctx: PhaseContext = {
    plan,
    ws,
    spec: buildContainer(plan, opts.root, ws, opts.recipeDir),
    emit,
    breakpoints: opts.breakpoints ?? 'shell',
    timings: [],
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  await runJobs(ctx, fetched);
  await splitDebugInfo(ctx);
  const { emission, steps } = await packageBuild(ctx, {
    outputDir: opts.outputDir,
    buildRoot: opts.root === 'host' ? '/' : opts.root.path,
    ...(opts.level === undefined ? {} : { level: opts.level }),
  });
  return { ...emission, timings: ctx.timings, steps: { fetch, ...steps }, workDir: ws.root };
}

async function checkPlan(plan: BuildPlan, outputDir: string): Promise<void> {
  if (plan.targets.length === 0) {
    throw new BuildError('BUILD_NO_TARGETS', `recipe ${plan.name} has no build target`, {
      hint: 'check the recipe architectures',
      details: { recipe: plan.name },
    });
  }
  // A missing output directory is made (as `mkdir -p`) once there is something to put in it;
  // something else at that path is refused before any work.
  if (
    await stat(outputDir).then(
      (s) => !s.isDirectory(),
      () => false,
    )
  ) {
    throw new BuildError('BUILD_OUTPUT_MISSING', `output ${outputDir} is not a directory`, {
      hint: 'pass a directory with -o (a missing one is created)',
      details: { path: outputDir },
    });
  }
}
