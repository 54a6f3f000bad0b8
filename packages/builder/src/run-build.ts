import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { access, copyFile, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Bind, runInContainer } from '@serpent/container';
import { fdSource, readElf } from '@serpent/elf';
import { analyzeFiles } from './analyze.js';
import { BuildError } from './build-error.js';
import type { BuildPlan } from './build-plan.js';
import { collectInstallRoot } from './collect.js';
import { debugScript } from './debug-script.js';
import { type Emission, emitPackages } from './emit.js';
import { summarizeFailure } from './failure-summary.js';
import { type FetchEvent, type FetchedUpstream, fetchUpstreams, git } from './fetch-upstreams.js';
import { prepareScript, workDirOf } from './prepare-script.js';
import { upstreamFileName } from './upstream.js';

/** Where the phases find their tools and libraries. */
export type BuildRoot =
  /** Bootstrap mode: the host's `/usr` and `/etc`, read-only. */
  | 'host'
  /** A root filesystem populated beforehand (e.g. by `@serpent/system` from the profile's repositories). */
  | { readonly path: string };

export interface PhaseTiming {
  readonly target: string;
  readonly phase: string;
  readonly ms: number;
  readonly status: number | null;
  readonly log: string;
}

export type BuildEvent =
  | FetchEvent
  | { readonly type: 'phase-start'; readonly target: string; readonly phase: string; readonly log: string }
  | { readonly type: 'phase-output'; readonly target: string; readonly phase: string; readonly chunk: string }
  | ({ readonly type: 'phase-end' } & PhaseTiming)
  | { readonly type: 'warning'; readonly message: string; readonly paths: readonly string[] }
  | { readonly type: 'step'; readonly step: 'fetch' | 'collect' | 'analyze' | 'emit'; readonly ms: number }
  | { readonly type: 'package'; readonly name: string; readonly path: string; readonly files: number };

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
}

export interface BuildResult extends Emission {
  readonly timings: readonly PhaseTiming[];
  readonly steps: Readonly<Record<'fetch' | 'collect' | 'analyze' | 'emit', number>>;
  /** The per-build work dir (`build/`, `install/`, `logs/`), kept for inspection. */
  readonly workDir: string;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Guest paths, as boulder's macros (`%(installroot)`, `%(sourcedir)`, ...) name them. */
export const GUEST = {
  build: '/mason/build',
  install: '/mason/install',
  source: '/mason/sourcedir',
  recipe: '/mason/recipe',
  scripts: '/mason/scripts',
} as const;

/**
 * Builds a plan into stones: fetch and verify every upstream (before any phase), run the
 * prepare phase and each target's phases in a fresh namespaced container with only the build
 * and install dirs writable, then collect, analyse and emit. Each phase writes its own log and
 * timing; a failing phase throws `BUILD_PHASE_FAILED` carrying a short summary of why.
 */
export async function runBuild(plan: BuildPlan, opts: BuildOptions): Promise<BuildResult> {
  if (plan.targets.length === 0) {
    throw new BuildError('BUILD_NO_TARGETS', `recipe ${plan.name} has no build target`, {
      hint: 'check the recipe architectures',
      details: { recipe: plan.name },
    });
  }
  // A missing output directory is made (as `mkdir -p`) once there is something to put in it;
  // something else at that path is refused before any work.
  if (
    await stat(opts.outputDir).then(
      (s) => !s.isDirectory(),
      () => false,
    )
  ) {
    throw new BuildError('BUILD_OUTPUT_MISSING', `output ${opts.outputDir} is not a directory`, {
      hint: 'pass a directory with -o (a missing one is created)',
      details: { path: opts.outputDir },
    });
  }
  const emit = opts.onEvent ?? (() => {});
  const steps = { fetch: 0, collect: 0, analyze: 0, emit: 0 };
  let t0 = performance.now();
  const fetched = await fetchUpstreams(plan.upstreams, { cacheDir: opts.cacheDir, onEvent: emit });
  steps.fetch = performance.now() - t0;
  emit({ type: 'step', step: 'fetch', ms: steps.fetch });

  const id = `${plan.name}-${plan.version}-${plan.release}`;
  const work = join(opts.cacheDir, 'build', id);
  const dirs = {
    build: join(work, 'build'),
    install: join(work, 'install'),
    source: join(work, 'sourcedir'),
    scripts: join(work, 'scripts'),
    logs: join(work, 'logs'),
  };
  await rm(work, { recursive: true, force: true });
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  await shareSources(fetched, dirs.source);

  const binds: Bind[] = [
    { host: dirs.build, guest: GUEST.build, writable: true },
    { host: dirs.install, guest: GUEST.install, writable: true },
    { host: dirs.source, guest: GUEST.source },
    { host: opts.recipeDir, guest: GUEST.recipe },
    { host: dirs.scripts, guest: GUEST.scripts },
  ];
  const timings: PhaseTiming[] = [];
  let phaseNo = 0;
  /** One phase: its script in a fresh container, its own log and timing; throws on failure. */
  const runPhase = async (
    name: string,
    script: string,
    target: string,
    cwd: string,
  ): Promise<PhaseTiming> => {
    const stem = `${target.replaceAll('/', '-')}-${phaseNo++}-${name}`;
    await writeFile(join(dirs.scripts, `${stem}.sh`), script);
    const log = join(dirs.logs, `${stem}.log`);
    emit({ type: 'phase-start', target, phase: name, log });
    const out = createWriteStream(log);
    const started = performance.now();
    const onChunk = (c: Buffer) => {
      out.write(c);
      emit({ type: 'phase-output', target, phase: name, chunk: c.toString('utf8') });
    };
    let result: Awaited<ReturnType<typeof runInContainer>>;
    try {
      result = await runInContainer(
        {
          root: opts.root === 'host' ? 'host' : opts.root.path,
          binds,
          networking: plan.networking,
          hostname: 'boulder',
        },
        {
          argv: ['/bin/sh', `${GUEST.scripts}/${stem}.sh`],
          env: { HOME: `${GUEST.build}/${target}`, PATH: '/usr/bin:/usr/sbin', TERM: 'dumb' },
          cwd,
          onStdout: onChunk,
          onStderr: onChunk,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
    } finally {
      await closeStream(out);
    }
    const timing = { target, phase: name, ms: performance.now() - started, status: result.status, log };
    timings.push(timing);
    emit({ type: 'phase-end', ...timing });
    if (result.status !== 0) {
      const summary = summarizeFailure(await readFile(log, 'utf8'));
      const how =
        result.status === null ? `stopped by signal ${result.signal}` : `failed with status ${result.status}`;
      throw new BuildError(
        'BUILD_PHASE_FAILED',
        `${name} phase of ${plan.name} (${target}) ${how} after ${(timing.ms / 1000).toFixed(1)} s:\n  ${summary.lines.join('\n  ')}\nfull log: ${log}`,
        {
          hint: summary.hint,
          details: {
            recipe: plan.name,
            target,
            phase: name,
            status: result.status,
            signal: result.signal,
            log,
            summary: summary.lines,
          },
        },
      );
    }
    return timing;
  };

  const workDir = workDirOf(fetched);
  for (const target of plan.targets) {
    const buildRoot = `${GUEST.build}/${target.target}`;
    await mkdir(join(dirs.build, target.target), { recursive: true });
    await runPhase('prepare', prepareScript(fetched, GUEST.source), target.target, buildRoot);
    // The work dir exists once prepare has unpacked the first upstream.
    const cwd =
      workDir && (await exists(join(dirs.build, target.target, workDir)))
        ? `${buildRoot}/${workDir}`
        : buildRoot;
    for (const phase of target.phases) {
      if (phase.script.trim()) await runPhase(phase.name, phase.script, target.target, cwd);
    }
  }

  // Debug split and strip run in the container too: the build root's tools, not the host's.
  const before = await collectInstallRoot(dirs.install);
  const elfs = before.files.flatMap((f) => {
    if (f.type !== 'regular' || f.size < 52 || /\/debug\/.*\.debug$/.test(f.path)) return [];
    const fd = openSync(f.hostPath, 'r');
    try {
      const elf = readElf(fdSource(fd, f.size), f.path);
      return elf?.buildId ? [{ guestPath: `${GUEST.install}${f.path}`, path: f.path, elf }] : [];
    } catch {
      return []; // analysis reports malformed objects; splitting skips them
    } finally {
      closeSync(fd);
    }
  });
  if (elfs.length > 0) {
    const script = debugScript(elfs, {
      installRoot: GUEST.install,
      toolchain: plan.toolchain ?? 'llvm',
      strip: plan.strip ?? true,
    });
    const timing = await runPhase('strip', script, plan.targets.at(-1)!.target, GUEST.install);
    const log = await readFile(timing.log, 'utf8');
    const warnings = log.split('\n').filter((l) => l.startsWith('warning: '));
    if (warnings.length > 0)
      emit({
        type: 'warning',
        message: `${warnings.length} debug split/strip step(s) failed`,
        paths: warnings,
      });
  }

  t0 = performance.now();
  const collection = await collectInstallRoot(dirs.install);
  steps.collect = performance.now() - t0;
  emit({ type: 'step', step: 'collect', ms: steps.collect });
  const refused = collection.ignored.filter((x) => x.reason !== 'libtool file');
  if (refused.length > 0) {
    emit({
      type: 'warning',
      message: `${refused.length} file(s) outside /usr were not packaged: ${refused[0]!.reason}`,
      paths: refused.map((x) => x.path),
    });
  }
  t0 = performance.now();
  const buckets = await analyzeFiles(collection.files, {
    rules: plan.rules,
    installDir: dirs.install,
    buildRoot: opts.root === 'host' ? '/' : opts.root.path,
  });
  steps.analyze = performance.now() - t0;
  emit({ type: 'step', step: 'analyze', ms: steps.analyze });
  t0 = performance.now();
  await mkdir(opts.outputDir, { recursive: true });
  const emission = await emitPackages(
    plan,
    buckets,
    opts.outputDir,
    opts.level === undefined ? {} : { level: opts.level },
  );
  steps.emit = performance.now() - t0;
  emit({ type: 'step', step: 'emit', ms: steps.emit });
  for (const p of emission.packages) {
    emit({ type: 'package', name: p.name, path: p.path, files: buckets.get(p.name)?.files.length ?? 0 });
  }
  return { ...emission, timings, steps, workDir: work };
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Hard-links (or copies, across filesystems) each verified file into the source dir; checks out git refs. */
async function shareSources(fetched: readonly FetchedUpstream[], sourceDir: string): Promise<void> {
  for (const f of fetched) {
    const dest = join(sourceDir, upstreamFileName(f.upstream));
    if (f.upstream.kind === 'plain') {
      await link(f.path, dest).catch(() => copyFile(f.path, dest));
      continue;
    }
    await git(['clone', '--quiet', '--no-checkout', f.path, dest], f.upstream.uri);
    await git(['-C', dest, 'checkout', '--quiet', '--detach', f.upstream.ref], f.upstream.uri);
    if (await stat(join(dest, '.gitmodules')).catch(() => undefined)) {
      await git(
        ['-C', dest, 'submodule', 'update', '--init', '--recursive', '--depth', '1', '--jobs', '4'],
        f.upstream.uri,
      );
    }
  }
}
