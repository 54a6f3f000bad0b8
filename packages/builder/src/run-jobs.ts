import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './build-error.js';
import type { PgoStage } from './build-plan.js';
import type { FetchedUpstream } from './fetch-upstreams.js';
import { type PhaseContext, runPhase, runRecipePhase } from './phase-runner.js';
import { prepareScript, workDirOf } from './prepare-script.js';
import { GUEST } from './workspace.js';

/**
 * Runs every job of the plan in order: each target (emul32 before native, sharing the install
 * root) at each PGO stage. Every job starts from a fresh copy of the sources (the synthesised
 * prepare phase unpacks them again), so an optimised build never links a stage's instrumented
 * objects; the profiles live beside it in `<target>-pgo` (`%(pgo_dir)`), which stays.
 */
export async function runJobs(ctx: PhaseContext, fetched: readonly FetchedUpstream[]): Promise<void> {
  const workDir = workDirOf(fetched);
  for (const job of ctx.plan.targets) {
    const stage = job.stage ?? 'none';
    ctx.emit({ type: 'job-start', target: job.target, stage });
    const host = join(ctx.ws.build, job.target);
    await rm(host, { recursive: true, force: true });
    await mkdir(host, { recursive: true });
    const buildRoot = `${GUEST.build}/${job.target}`;
    const prepare = prepareScript(fetched, GUEST.source);
    await runPhase(ctx, { name: 'prepare', script: prepare, target: job.target, stage, cwd: buildRoot });
    const unpacked = workDir !== undefined && (await stat(join(host, workDir)).catch(() => undefined));
    const cwd = unpacked ? `${buildRoot}/${workDir}` : buildRoot;
    for (const phase of job.phases) if (phase.script.trim()) await runRecipePhase(ctx, job, phase, cwd);
    if (stage === 'one' || stage === 'two') await checkProfiles(ctx, job.target, stage);
  }
}

/**
 * After an instrumented stage the workload must have left profile data (GCC's `.gcda` files,
 * LLVM's merged `.profdata`); without it the optimised build would quietly be a plain one.
 */
async function checkProfiles(ctx: PhaseContext, target: string, stage: PgoStage): Promise<void> {
  const dir = join(ctx.ws.build, `${target}-pgo`);
  if ((await countProfiles(dir)) > 0) return;
  throw new BuildError(
    'BUILD_PGO_NO_PROFILE',
    `the workload of ${ctx.plan.name} (${target}, PGO ${stage}) left no profile data in ${dir}`,
    {
      hint: 'the workload must run the instrumented programs this stage built (e.g. `./hello --bench`), in the work dir',
      details: { recipe: ctx.plan.name, target, stage, dir },
    },
  );
}

async function countProfiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => /\.(gcda|profraw|profdata)$/.test(e)).length;
}
