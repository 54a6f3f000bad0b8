import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerSpec, lineSplitter, runInContainer } from '@serpent/container';
import { BuildError } from './build-error.js';
import type { BuildEvent, PhaseTiming } from './build-event.js';
import type { BuildPhase, BuildPlan, BuildTarget, PgoStage } from './build-plan.js';
import { openBuildShell } from './build-shell.js';
import { summarizeFailure } from './failure-summary.js';
import { GUEST, type Workspace } from './workspace.js';

/** What every phase of one build shares. */
export interface PhaseContext {
  readonly plan: BuildPlan;
  readonly ws: Workspace;
  readonly spec: ContainerSpec;
  readonly emit: (e: BuildEvent) => void;
  /** `shell`: a breakpoint opens a shell on this process's terminal; `ignore`: builds straight through. */
  readonly breakpoints: 'shell' | 'ignore';
  readonly signal?: AbortSignal;
  /** Every run so far, in order (the caller's timing table). */
  readonly timings: PhaseTiming[];
}

export interface PhaseRun {
  readonly name: string;
  readonly script: string;
  readonly target: string;
  readonly stage: PgoStage;
  /** Working directory inside the container. */
  readonly cwd: string;
}

/**
 * Runs one script in a fresh container with a clean environment, its output in a log of its
 * own (and in `phase-output` events); a non-zero status throws `BUILD_PHASE_FAILED` carrying
 * the few log lines that say why, not the last thousand.
 */
export async function runPhase(ctx: PhaseContext, run: PhaseRun): Promise<PhaseTiming> {
  const { target, stage, name } = run;
  const stem = `${target.replaceAll('/', '-')}-${ctx.timings.length}-${name}`;
  await writeFile(join(ctx.ws.scripts, `${stem}.sh`), run.script);
  const log = join(ctx.ws.logs, `${stem}.log`);
  ctx.emit({ type: 'phase-start', target, stage, phase: name, log });
  const out = createWriteStream(log);
  const started = performance.now();
  const lines = (stream: 'stdout' | 'stderr') =>
    lineSplitter((l) =>
      ctx.emit({ type: 'phase-output', target, stage, phase: name, stream, text: l.toString('utf8') }),
    );
  const stdout = lines('stdout');
  const stderr = lines('stderr');
  let result: Awaited<ReturnType<typeof runInContainer>>;
  try {
    result = await runInContainer(ctx.spec, {
      argv: ['/bin/sh', `${GUEST.scripts}/${stem}.sh`],
      env: { HOME: `${GUEST.build}/${target}`, PATH: '/usr/bin:/usr/sbin', TERM: 'dumb' },
      cwd: run.cwd,
      onStdout: (c) => {
        out.write(c);
        stdout.push(c);
      },
      onStderr: (c) => {
        out.write(c);
        stderr.push(c);
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } finally {
    stdout.end();
    stderr.end();
    await closeStream(out);
  }
  const timing = { target, stage, phase: name, ms: performance.now() - started, status: result.status, log };
  ctx.timings.push(timing);
  ctx.emit({ type: 'phase-end', ...timing });
  if (result.status === 0) return timing;
  const summary = summarizeFailure(await readFile(log, 'utf8'));
  const how =
    result.status === null ? `stopped by signal ${result.signal}` : `failed with status ${result.status}`;
  throw new BuildError(
    'BUILD_PHASE_FAILED',
    `${name} phase of ${ctx.plan.name} (${target}${stage === 'none' ? '' : `, PGO ${stage}`}) ${how} after ${(timing.ms / 1000).toFixed(1)} s:\n  ${summary.lines.join('\n  ')}\nfull log: ${log}`,
    {
      hint: summary.hint,
      details: {
        recipe: ctx.plan.name,
        target,
        stage,
        phase: name,
        status: result.status,
        signal: result.signal,
        log,
        summary: summary.lines,
      },
    },
  );
}

/**
 * Runs a recipe phase: its script, or, with breakpoints, each chunk in turn with a shell in the
 * same container at each breakpoint. `%break_continue` goes on when the shell exits 0;
 * `%break_exit`, or a shell exiting non-zero, stops the build (nothing is packaged, unlike the
 * original, which packaged the half-built install).
 */
export async function runRecipePhase(
  ctx: PhaseContext,
  job: BuildTarget,
  phase: BuildPhase,
  cwd: string,
): Promise<void> {
  const stage = job.stage ?? 'none';
  const run = { name: phase.name, target: job.target, stage, cwd };
  if (!phase.chunks || ctx.breakpoints === 'ignore') {
    await runPhase(ctx, { ...run, script: phase.script });
    return;
  }
  for (const chunk of phase.chunks) {
    await runPhase(ctx, { ...run, script: chunk.script });
    const bp = chunk.breakpoint;
    if (!bp) continue;
    ctx.emit({ type: 'breakpoint', ...bp, target: job.target, phase: phase.name, cwd });
    const shell = await openBuildShell({
      spec: ctx.spec,
      ws: ctx.ws,
      target: job.target,
      profile: job.shellProfile ?? '',
      cwd,
    });
    ctx.emit({ type: 'breakpoint-end', status: shell.status });
    if (bp.kind === 'continue' && shell.status === 0) continue;
    const why =
      bp.kind === 'exit'
        ? 'at its %break_exit'
        : `because the shell at its %break_continue exited with ${shell.status ?? shell.signal}`;
    throw new BuildError(
      'BUILD_STOPPED_AT_BREAKPOINT',
      `the build of ${ctx.plan.name} stopped ${why} (${bp.file}:${bp.line}); nothing was packaged`,
      {
        hint: 'exit the shell with status 0 at a %break_continue to go on; remove the breakpoint from the recipe to build through',
        details: { recipe: ctx.plan.name, file: bp.file, line: bp.line, kind: bp.kind, status: shell.status },
      },
    );
  }
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
}
