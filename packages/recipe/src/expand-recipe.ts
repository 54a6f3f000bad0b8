import { type Breakpoint, splitAtBreakpoints } from './breakpoints.js';
import { buildTargets } from './build-targets.js';
import { MacroExpander } from './expand-macros.js';
import type { MacroSet } from './load-macros.js';
import type { ActionMacro, MacroFile, TuningFlag, TuningGroup } from './macro-file.js';
import type { PhaseName, Recipe, RecipeUpstream } from './recipe.js';
import { RecipeError } from './recipe-error.js';
import { type CompilerFlags, type PgoStage, resolveTuning, type Toolchain } from './resolve-tuning.js';
import { shellProfile } from './shell-profile.js';

/** Guest paths, as boulder mounts them in the build container. */
export const MASON = {
  build: '/mason/build',
  install: '/mason/install',
  source: '/mason/sourcedir',
  recipe: '/mason/recipe',
  ccache: '/mason/ccache',
  sccache: '/mason/sccache',
} as const;

export interface ExpandOptions {
  /** The machine's architecture; default x86_64. */
  readonly host?: string;
  /** `%(jobs)`; default 1 (callers pass `os.availableParallelism()`). */
  readonly jobs?: number;
  /** `SOURCE_DATE_EPOCH` seconds; default 0 (callers pass the recipe's commit time). */
  readonly sourceDateEpoch?: number;
  /** ccache/sccache on (`--compiler-cache`). */
  readonly compilerCache?: boolean;
  /** false: one plain build per target, the workload ignored. Default true. */
  readonly pgo?: boolean;
  /** The work dir below the build root; default boulder's rule (`workDirName`). */
  readonly workDir?: string;
  /** Give every job its `shellProfile` (for `boulder chroot`); jobs with breakpoints always have one. */
  readonly shellProfiles?: boolean;
}

/** A run of a phase up to a breakpoint (or its end): a complete script of its own. */
export interface PhaseChunk {
  readonly script: string;
  /** Where the build stops for a shell once this chunk has run. */
  readonly breakpoint?: Breakpoint;
}

/** One phase, fully expanded (prologue, environment, then the recipe's script). */
export interface ExpandedPhase {
  readonly name: PhaseName;
  /** The whole phase; breakpoints are shown as comments in it. */
  readonly script: string;
  /** Only when the phase has breakpoints: the scripts between them, each with the prologue. */
  readonly chunks?: readonly PhaseChunk[];
}

/** One (target, PGO stage) job. */
export interface ExpandedJob {
  readonly target: string;
  readonly stage: PgoStage;
  readonly phases: readonly ExpandedPhase[];
  readonly flags: CompilerFlags;
  /** The `.profile` of a shell in this job's environment (see `shellProfile`). */
  readonly shellProfile?: string;
}

export interface ExpandedRecipe {
  readonly jobs: readonly ExpandedJob[];
  /** Actions the scripts use (also through other actions), sorted. */
  readonly actions: readonly string[];
  /** What those actions need in the build root, sorted. */
  readonly actionDependencies: readonly string[];
  /** Root and profile builddeps + checkdeps + action dependencies, sorted, unique. */
  readonly buildDependencies: readonly string[];
  /** The whole build-root package list, as boulder installs it (§3.5 of boulder.md). */
  readonly rootPackages: readonly string[];
}

/** boulder's work dir: the first unpacked upstream's directory (or the build root). */
export function workDirName(upstreams: readonly RecipeUpstream[]): string | undefined {
  const first = upstreams.find((u) => u.kind === 'git' || u.unpack);
  if (!first) return undefined;
  const last = (uri: string) =>
    uri
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() || 'upstream';
  if (first.kind === 'git') return first.cloneDir ?? last(first.uri).replace(/\.git$/, '');
  return first.unpackDir ?? first.rename ?? last(first.uri);
}

const COMPILERS: Record<Toolchain, Record<string, string>> = {
  llvm: {
    c: 'clang',
    cxx: 'clang++',
    objc: 'clang',
    objcxx: 'clang++',
    cpp: 'clang-cpp',
    objcpp: 'clang -E -',
    objcxxcpp: 'clang++ -E',
    d: 'ldc2',
    ar: 'llvm-ar',
    objcopy: 'llvm-objcopy',
    nm: 'llvm-nm',
    ranlib: 'llvm-ranlib',
    strip: 'llvm-strip',
    ld: 'ld.lld',
  },
  gnu: {
    c: 'gcc',
    cxx: 'g++',
    objc: 'gcc',
    objcxx: 'g++',
    cpp: 'gcc -E',
    objcpp: 'gcc -E',
    objcxxcpp: 'g++ -E',
    d: 'gdc',
    ar: 'gcc-ar',
    objcopy: 'objcopy',
    nm: 'gcc-nm',
    ranlib: 'gcc-ranlib',
    strip: 'strip',
    ld: 'ld.bfd',
  },
};

/** Tables merged in boulder's order: base, the target's arch file, action files (later wins). */
export function macroLayers(macros: MacroSet, target: string, file = 'stone.yaml'): MacroFile[] {
  const base = macros.arch.get('base');
  const arch = macros.arch.get(target);
  if (!base || !arch) {
    throw new RecipeError('RECIPE_MACROS_INVALID', `${file}: no macro file for target ${target}`, {
      hint: `the macro data needs arch/base.yaml and arch/${target}.yaml`,
      details: { file, target, missing: !base ? 'base' : target },
    });
  }
  return [base, arch, ...macros.actions];
}

/** Per-build values that are not in any file. */
export interface BuildContext {
  readonly target: string;
  readonly stage: PgoStage;
  readonly toolchain: Toolchain;
  readonly mold: boolean;
  readonly compilerCache: boolean;
  readonly jobs: number;
  readonly sourceDateEpoch: number;
  readonly workDir: string | undefined;
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly flags: CompilerFlags;
}

/** The definition and action tables of one build: files, then computed values. */
export function macroTable(layers: readonly MacroFile[], ctx: BuildContext) {
  const definitions = new Map<string, string>();
  const actions = new Map<string, ActionMacro>();
  for (const l of layers) {
    for (const [k, v] of l.definitions) definitions.set(k, v);
    for (const [k, v] of l.actions) actions.set(k, v);
  }
  const buildroot = `${MASON.build}/${ctx.target}`;
  const compilers = COMPILERS[ctx.toolchain];
  const computed: Record<string, string> = {
    name: ctx.name,
    version: ctx.version,
    release: ctx.release,
    jobs: String(ctx.jobs),
    pkgdir: `${MASON.recipe}/pkg`,
    sourcedir: MASON.source,
    installroot: MASON.install,
    buildroot,
    workdir: ctx.workDir ? `${buildroot}/${ctx.workDir}` : buildroot,
    compiler_cache: MASON.ccache,
    scompiler_cache: MASON.sccache,
    sourcedateepoch: String(ctx.sourceDateEpoch),
    rustc_wrapper: ctx.compilerCache ? '/usr/bin/sccache' : '',
    ...Object.fromEntries(Object.entries(compilers).map(([k, v]) => [`compiler_${k}`, v])),
    compiler_ld: ctx.mold ? 'ld.mold' : compilers.ld!,
    compiler_path: ctx.compilerCache ? '/usr/lib/ccache/bin:/usr/bin:/bin' : '/usr/bin:/bin',
    pgo_stage: { one: 'ONE', two: 'TWO', use: 'USE', none: 'NONE' }[ctx.stage],
    pgo_dir: `${buildroot}-pgo`,
    cflags: ctx.flags.c,
    cxxflags: ctx.flags.cxx,
    ldflags: ctx.flags.ld,
    dflags: ctx.flags.d,
    rustflags: ctx.flags.rust,
  };
  for (const [k, v] of Object.entries(computed)) definitions.set(k, v);
  return { definitions, actions };
}

/** Tuning tables merged over the same layers. */
export function tuningTables(layers: readonly MacroFile[]) {
  const flags = new Map<string, TuningFlag>();
  const groups = new Map<string, TuningGroup>();
  let defaults: readonly string[] = [];
  for (const l of layers) {
    for (const [k, v] of l.flags) flags.set(k, v);
    for (const [k, v] of l.tuning) groups.set(k, v);
  }
  // The target's arch file may replace the default groups; otherwise base's apply.
  defaults = layers[1]?.defaultTuningGroups.length
    ? layers[1].defaultTuningGroups
    : (layers[0]?.defaultTuningGroups ?? []);
  return { flags, groups, defaults };
}

const PLAIN_PHASES: readonly PhaseName[] = ['setup', 'build', 'install', 'check'];
const PGO_PHASES: readonly PhaseName[] = ['setup', 'build', 'workload'];

/** Archive helpers the build root needs to unpack the upstreams, by file extension. */
function archiveTools(upstreams: readonly RecipeUpstream[]): string[] {
  const out: string[] = [];
  for (const u of upstreams) {
    if (u.kind === 'git') continue;
    const f = (u.rename ?? u.uri).toLowerCase();
    if (/\.(tar|tgz|txz|tbz2?|tar\.\w+)$/.test(f) || /\.(xz|gz|bz2|zst)$/.test(f)) out.push('binary(tar)');
    if (f.endsWith('.xz') || f.endsWith('.txz')) out.push('binary(xz)');
    if (f.endsWith('.zst')) out.push('binary(zstd)');
    if (f.endsWith('.bz2') || f.endsWith('.tbz2')) out.push('binary(bzip2)');
    if (f.endsWith('.gz') || f.endsWith('.tgz')) out.push('binary(gzip)');
    if (f.endsWith('.zip')) out.push('binary(unzip)');
    if (f.endsWith('.rpm')) out.push('binary(rpm2cpio)', 'cpio');
    if (f.endsWith('.deb')) out.push('binary(ar)');
  }
  return out;
}

const BASE_ROOT = [
  'bash',
  'boulder',
  'coreutils',
  'dash',
  'diffutils',
  'findutils',
  'gawk',
  'glibc-devel',
  'grep',
  'layout',
  'libarchive',
  'linux-headers',
  'pkgconf',
  'sed',
  'util-linux',
  'binary(git)',
  'binary(nano)',
  'binary(vim)',
  'binary(ps)',
];

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

function countLines(text: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Expands every phase of every build target (and PGO stage) of a recipe: `%scriptBase`,
 * then the profile's or root `environment`, then the phase text, all through the target's
 * macro table with its tuning flags. Everything is checked before anything runs: an unknown
 * macro, tuning group or option throws, naming the file, phase and line.
 */
export function expandRecipe(recipe: Recipe, macros: MacroSet, opts: ExpandOptions = {}): ExpandedRecipe {
  const host = opts.host ?? 'x86_64';
  const workDir = opts.workDir ?? workDirName(recipe.upstreams);
  const jobs: ExpandedJob[] = [];
  const used = new Set<string>();
  const actionDeps = new Set<string>();
  for (const target of buildTargets(recipe, host)) {
    const layers = macroLayers(macros, target, recipe.file);
    const tuning = tuningTables(layers);
    const profile = recipe.profiles.find(
      (p) => p.target === target || (p.target === 'emul32' && target.startsWith('emul32/')),
    );
    const scriptOf = (k: PhaseName | 'environment') => {
      const own = profile?.spec[k];
      return own !== undefined
        ? { text: own, key: `profiles.${profile!.target}.${k}` }
        : recipe[k] !== undefined
          ? { text: recipe[k]!, key: k }
          : undefined;
    };
    const pgo = opts.pgo !== false && scriptOf('workload') !== undefined;
    const stages: PgoStage[] = !pgo
      ? ['none']
      : recipe.cspgo && recipe.toolchain === 'llvm'
        ? ['one', 'two', 'use']
        : ['one', 'use'];
    for (const stage of stages) {
      const flags = resolveTuning({
        ...tuning,
        choices: recipe.tuning,
        toolchain: recipe.toolchain,
        pgoStage: stage,
        samplePgo: recipe.samplepgo,
        mold: recipe.mold,
        file: recipe.file,
      });
      const expander = new MacroExpander(
        macroTable(layers, {
          target,
          stage,
          toolchain: recipe.toolchain,
          mold: recipe.mold,
          compilerCache: opts.compilerCache ?? false,
          jobs: opts.jobs ?? 1,
          sourceDateEpoch: opts.sourceDateEpoch ?? 0,
          workDir,
          name: recipe.name,
          version: recipe.version,
          release: String(recipe.release),
          flags,
        }),
      );
      const origin = (key: string) => ({ file: recipe.file, phase: key, line: recipe.scriptLines[key] ?? 1 });
      const prologue = expander.expand('%scriptBase', { file: recipe.file, phase: 'scriptBase', line: 1 });
      const env = scriptOf('environment');
      const envText = env ? expander.expand(env.text, origin(env.key)) : '';
      const phases: ExpandedPhase[] = [];
      for (const name of stage === 'one' || stage === 'two' ? PGO_PHASES : PLAIN_PHASES) {
        const s = scriptOf(name);
        if (!s) continue;
        const at = origin(s.key);
        const pieces = splitAtBreakpoints(s.text).map((p) => ({
          body: expander.expand(p.text, { ...at, line: at.line + countLines(s.text, p.offset) }),
          ...(p.breakpoint
            ? {
                breakpoint: {
                  kind: p.breakpoint.kind,
                  file: recipe.file,
                  line: at.line + countLines(s.text, p.breakpoint.offset),
                },
              }
            : {}),
        }));
        // The profile merge is appended to the workload (LLVM only; GCC reads .gcda directly).
        if (name === 'workload' && recipe.toolchain === 'llvm') {
          const last = pieces.at(-1)!;
          const merge = stage === 'one' ? '%llvm_merge_s1' : '%llvm_merge_s2';
          last.body = `${last.body.endsWith('\n') ? last.body : `${last.body}\n`}${expander.expand(merge, { ...at, line: 1 })}\n`;
        }
        const head = `${prologue}\n${envText}\n`;
        // The whole phase, breakpoints shown as comments on lines of their own: what runs when
        // breakpoints are ignored, and what `boulder recipe expand` prints.
        const shown = pieces
          .map((p) => {
            if (!p.breakpoint) return p.body;
            const body = p.body === '' || p.body.endsWith('\n') ? p.body : `${p.body}\n`;
            return `${body}# %break_${p.breakpoint.kind} (line ${p.breakpoint.line})`;
          })
          .join('');
        phases.push({
          name,
          script: head + shown,
          ...(pieces.length > 1
            ? {
                chunks: pieces.map((p) => ({
                  script: head + p.body,
                  ...(p.breakpoint ? { breakpoint: p.breakpoint } : {}),
                })),
              }
            : {}),
        });
      }
      for (const a of expander.usedActions) {
        used.add(a);
        for (const d of expander.table.actions.get(a)?.dependencies ?? []) actionDeps.add(d);
      }
      const profile =
        opts.shellProfiles || phases.some((p) => p.chunks)
          ? {
              shellProfile: shellProfile(
                expander.table,
                prologue,
                envText,
                `${recipe.name} ${target}${stage === 'none' ? '' : ` PGO ${stage}`}`,
              ),
            }
          : {};
      jobs.push({ target, stage, phases, flags, ...profile });
    }
  }
  const declared = [
    ...recipe.builddeps,
    ...recipe.checkdeps,
    ...recipe.profiles.flatMap((p) => [...p.spec.builddeps, ...p.spec.checkdeps]),
  ];
  const buildDependencies = sortedUnique([...declared, ...actionDeps]);
  const targets = new Set(jobs.map((j) => j.target));
  const emul = [...targets].some((t) => t.startsWith('emul32/'));
  const rootPackages = sortedUnique([
    ...BASE_ROOT,
    ...(recipe.toolchain === 'llvm' ? ['clang'] : ['binutils', 'gcc', 'g++']),
    ...(emul
      ? [
          'glibc-32bit-devel',
          ...(recipe.toolchain === 'llvm'
            ? ['clang-32bit', 'libcxx-32bit-devel']
            : ['gcc-32bit', 'g++-32bit']),
        ]
      : []),
    ...(recipe.mold ? ['binary(mold)'] : []),
    ...(opts.compilerCache ? ['binary(ccache)', 'binary(sccache)'] : []),
    ...archiveTools(recipe.upstreams),
    ...buildDependencies,
  ]);
  return {
    jobs,
    actions: [...used].sort(),
    actionDependencies: [...actionDeps].sort(),
    buildDependencies,
    rootPackages,
  };
}
