import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import {
  type BuildPlan,
  defaultPackages,
  mergePackages,
  type PackageDefinition,
  type Upstream,
  upstreamDir,
} from '@serpent/builder';
import {
  expandRecipe,
  loadMacros,
  loadRecipe,
  MacroExpander,
  type Recipe,
  type RecipeUpstream,
  type RecipeWarning,
} from '@serpent/recipe';

export interface PlanOptions {
  /** The architecture every package carries (the host's). */
  readonly architecture: string;
  readonly buildRelease: number;
  /** `%(jobs)`; default the machine's available parallelism. */
  readonly jobs?: number;
  /** Told about unknown recipe keys and what the plan leaves out. */
  readonly onWarning?: (w: RecipeWarning) => void;
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
  return [
    main,
    ...recipe.packages.map((p) => {
      const name = x.expand(p.name, at(`packages.${p.name}`));
      return {
        name,
        ...(p.summary === undefined
          ? {}
          : { summary: x.expand(p.summary, at(`packages.${p.name}.summary`)) }),
        ...(p.description === undefined
          ? {}
          : { description: x.expand(p.description, at(`packages.${p.name}.description`)) }),
        paths: p.paths.map((r) => r.pattern),
        rundeps: p.rundeps.map((d) => x.expand(d, at(`packages.${p.name}.rundeps`))),
        conflicts: [...p.conflicts],
      };
    }),
  ];
}

/** A build plan plus what the build root must hold, for checks before the build. */
export interface RecipePlan extends BuildPlan {
  /** Recipe and profile builddeps/checkdeps and what the macros the scripts use need. */
  readonly rootDependencies: readonly string[];
}

/**
 * Turns a `stone.yaml` into the `BuildPlan` of @serpent/builder: every target's phases fully
 * expanded (checked before anything is fetched), upstreams, the package templates merged with
 * the recipe's packages into collection rules, and the root build/check dependencies the
 * manifests record.
 */
export async function planFromRecipe(path: string, opts: PlanOptions): Promise<RecipePlan> {
  const [{ recipe, warnings, path: file }, macros] = await Promise.all([loadRecipe(path), loadMacros()]);
  for (const w of warnings) opts.onWarning?.(w);
  const upstreams = recipe.upstreams.map(toBuildUpstream);
  const first = upstreams.find((u) => u.kind === 'git' || u.unpack !== false);
  // PGO needs the workload to run between two builds, which @serpent/builder does not do yet:
  // build once, without profiles, and say so.
  if (recipe.workload !== undefined || recipe.profiles.some((p) => p.spec.workload !== undefined)) {
    opts.onWarning?.({
      file,
      line: recipe.scriptLines.workload ?? 1,
      message: 'the workload (profile-guided optimisation) is not run yet: building without PGO',
    });
  }
  const expanded = expandRecipe(recipe, macros, {
    host: opts.architecture,
    jobs: opts.jobs ?? availableParallelism(),
    sourceDateEpoch: await sourceDateEpoch(dirname(file)),
    pgo: false,
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
    targets: expanded.jobs.map((j) => ({
      target: j.target,
      phases: j.phases.map((p) => ({ name: p.name, script: p.script })),
    })),
    packages,
    rules,
    buildDeps: [...new Set([...recipe.builddeps, ...recipe.checkdeps])].sort(),
    architecture: opts.architecture,
    strip: recipe.strip,
    toolchain: recipe.toolchain,
    buildRelease: opts.buildRelease,
    rootDependencies: expanded.buildDependencies,
  };
}
