import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import {
  type ExpandedJob,
  expandRecipe,
  loadMacros,
  loadRecipe,
  MacroExpander,
  type Recipe,
  type RecipeUpstream,
  type RecipeWarning,
} from '@serpent/recipe';
import type { BuildPlan, BuildTarget, PackageDefinition } from './build-plan.js';
import { defaultPackages, mergePackages } from './default-packages.js';
import { type Upstream, upstreamDir } from './upstream.js';

export interface PlanOptions {
  /** The architecture every package carries (the host's); default x86_64. */
  readonly architecture?: string;
  /** `-b/--build-release`; default 1. */
  readonly buildRelease?: number;
  /** `%(jobs)`; default the machine's available parallelism. */
  readonly jobs?: number;
  /** Build once without the PGO stages even when the recipe has a workload. */
  readonly noPgo?: boolean;
  /** Give every job the `.profile` of a shell in its environment (for `boulder chroot`). */
  readonly shellProfiles?: boolean;
  /** Told about unknown recipe keys and the like, with their line. */
  readonly onWarning?: (w: RecipeWarning) => void;
}

/** A build plan plus what the build root must hold, for checks before the build. */
export interface RecipePlan extends BuildPlan {
  /** Recipe and profile builddeps/checkdeps and what the macros the scripts use need. */
  readonly rootDependencies: readonly string[];
  /**
   * What a build root from a profile holds, as the original boulder installs it: the base
   * packages, the toolchain (gnu or llvm, their 32-bit parts for emul32), archive tools for the
   * upstreams, and `rootDependencies`.
   */
  readonly rootPackages: readonly string[];
  /** The recipe file the plan was made from. */
  readonly recipeFile: string;
  /** Where the first upstream unpacks below a target's build dir (the phases' work dir). */
  readonly workDir?: string;
}

const run = promisify(execFile);

/**
 * boulder's build time: `SOURCE_DATE_EPOCH` if numeric, else the recipe's last commit, else
 * now. Exported to every script, so builds of the same commit are reproducible.
 */
export async function sourceDateEpoch(recipeDir: string): Promise<number> {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env && /^\d+$/.test(env)) return Number(env);
  try {
    const { stdout } = await run('git', ['log', '-1', '--format=%at'], { cwd: recipeDir });
    if (/^\d+$/.test(stdout.trim())) return Number(stdout.trim());
  } catch {
    // Not a git checkout (or no git): fall through to now.
  }
  return Math.floor(Date.now() / 1000);
}

/**
 * Turns a `stone.yaml` (or its directory) into a `BuildPlan`: every job (target × PGO stage)
 * with its phases fully expanded (an unknown macro or tuning option stops here, before anything
 * is fetched), breakpoints and shell profiles, the upstreams, boulder's package templates
 * merged with the recipe's packages into collection rules, and the root build/check
 * dependencies the manifests record.
 */
export async function planFromRecipe(path: string, opts: PlanOptions = {}): Promise<RecipePlan> {
  const [{ recipe, warnings, path: file }, macros] = await Promise.all([loadRecipe(path), loadMacros()]);
  for (const w of warnings) opts.onWarning?.(w);
  const upstreams = recipe.upstreams.map(toBuildUpstream);
  const first = upstreams.find((u) => u.kind === 'git' || u.unpack !== false);
  const architecture = opts.architecture ?? 'x86_64';
  const expanded = expandRecipe(recipe, macros, {
    host: architecture,
    jobs: opts.jobs ?? availableParallelism(),
    sourceDateEpoch: await sourceDateEpoch(dirname(file)),
    pgo: opts.noPgo !== true,
    ...(opts.shellProfiles ? { shellProfiles: true } : {}),
    ...(first ? { workDir: upstreamDir(first) } : {}),
  });
  const { packages, rules } = mergePackages(
    defaultPackages(recipe.name, recipe.summary, recipe.description),
    recipePackages(recipe),
  );
  return {
    name: recipe.name,
    version: recipe.version,
    release: recipe.release,
    homepage: recipe.homepage,
    licenses: recipe.licenses,
    summary: recipe.summary,
    description: recipe.description,
    upstreams,
    networking: recipe.networking,
    targets: expanded.jobs.map(toBuildTarget),
    packages,
    rules,
    buildDeps: [...new Set([...recipe.builddeps, ...recipe.checkdeps])].sort(),
    architecture,
    strip: recipe.strip,
    toolchain: recipe.toolchain,
    buildRelease: opts.buildRelease ?? 1,
    rootDependencies: expanded.buildDependencies,
    rootPackages: expanded.rootPackages,
    recipeFile: file,
    ...(first ? { workDir: upstreamDir(first) } : {}),
  };
}

function toBuildTarget(j: ExpandedJob): BuildTarget {
  return {
    target: j.target,
    stage: j.stage,
    phases: j.phases.map((p) => ({
      name: p.name,
      script: p.script,
      ...(p.chunks ? { chunks: p.chunks } : {}),
    })),
    ...(j.shellProfile === undefined ? {} : { shellProfile: j.shellProfile }),
  };
}

function toBuildUpstream(u: RecipeUpstream): Upstream {
  if (u.kind === 'git')
    return { kind: 'git', uri: u.uri, ref: u.ref, ...(u.cloneDir ? { cloneDir: u.cloneDir } : {}) };
  return {
    kind: 'plain',
    uri: u.uri,
    hash: u.hash,
    stripDirs: u.stripDirs,
    unpack: u.unpack,
    ...(u.rename ? { rename: u.rename } : {}),
    ...(u.unpackDir ? { unpackDir: u.unpackDir } : {}),
  };
}

/**
 * The recipe's packages with their names, summaries and rundeps expanded: only `%(name)`,
 * `%(version)` and `%(release)` exist there, as in boulder's packaging step.
 */
function recipePackages(recipe: Recipe): PackageDefinition[] {
  const x = new MacroExpander({
    definitions: new Map([
      ['name', recipe.name],
      ['version', recipe.version],
      ['release', String(recipe.release)],
    ]),
    actions: new Map(),
  });
  const at = (phase: string) => ({ file: recipe.file, phase, line: 1 });
  const main: PackageDefinition = {
    name: recipe.name,
    paths: recipe.paths.map((p) => p.pattern),
    rundeps: recipe.rundeps.map((d) => x.expand(d, at('rundeps'))),
    conflicts: [...recipe.conflicts],
  };
  const sub = recipe.packages.map((p): PackageDefinition => {
    const where = `packages.${p.name}`;
    return {
      name: x.expand(p.name, at(where)),
      ...(p.summary === undefined ? {} : { summary: x.expand(p.summary, at(`${where}.summary`)) }),
      ...(p.description === undefined
        ? {}
        : { description: x.expand(p.description, at(`${where}.description`)) }),
      paths: p.paths.map((r) => r.pattern),
      rundeps: p.rundeps.map((d) => x.expand(d, at(`${where}.rundeps`))),
      conflicts: [...p.conflicts],
    };
  });
  return [main, ...sub];
}
