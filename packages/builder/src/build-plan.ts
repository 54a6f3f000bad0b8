import type { PathRule } from './path-rules.js';
import type { Upstream } from './upstream.js';

/** Where a build stops for a shell in its container (`%break_continue`, `%break_exit`). */
export interface PhaseBreakpoint {
  /** `continue`: the build goes on once the shell exits 0; `exit`: the build stops there. */
  readonly kind: 'continue' | 'exit';
  /** Where it is written, for messages: the recipe file and line. */
  readonly file: string;
  readonly line: number;
}

/** A phase script, fully macro-expanded shell text. */
export interface BuildPhase {
  readonly name: 'setup' | 'build' | 'install' | 'check' | 'workload';
  readonly script: string;
  /**
   * With breakpoints: the scripts to run in turn instead of `script`, each followed by a shell
   * at its breakpoint (the last has none).
   */
  readonly chunks?: ReadonlyArray<{ readonly script: string; readonly breakpoint?: PhaseBreakpoint }>;
}

/**
 * Profile-guided optimisation: `one` builds instrumented and runs the workload, `two`
 * (LLVM context-sensitive) again on top of one's profile, `use` builds with the merged profile;
 * `none` is a plain build.
 */
export type PgoStage = 'one' | 'two' | 'use' | 'none';

/**
 * One job: a build target (`x86_64`, `emul32/x86_64`) at one PGO stage, its phases in run
 * order. Jobs run in plan order, each in a fresh copy of the sources.
 */
export interface BuildTarget {
  readonly target: string;
  /** Default `none`. */
  readonly stage?: PgoStage;
  readonly phases: readonly BuildPhase[];
  /** The `.profile` of a shell at a breakpoint of this job (or in `boulder chroot`). */
  readonly shellProfile?: string;
}

/** A (sub)package: its name and the collection rules that feed it. */
export interface PackageDefinition {
  readonly name: string;
  readonly summary?: string;
  readonly description?: string;
  readonly rundeps?: readonly string[];
  /** Globs over absolute paths (`/usr/lib/lib*.so`); `*` crosses `/`. */
  readonly paths?: readonly string[];
  readonly conflicts?: readonly string[];
}

/**
 * Everything a build needs, independent of how the recipe was parsed: the recipe layer
 * (`@serpent/recipe`) turns a `stone.yaml` into this.
 */
export interface BuildPlan {
  readonly name: string;
  readonly version: string;
  readonly release: number;
  readonly homepage: string;
  readonly licenses: readonly string[];
  readonly summary: string;
  readonly description: string;
  readonly upstreams: readonly Upstream[];
  readonly networking: boolean;
  readonly targets: readonly BuildTarget[];
  /** Every package that may be emitted (unique names), with its metadata. */
  readonly packages: readonly PackageDefinition[];
  /**
   * Collection rules in order, the last match wins: templates first, then the main package's
   * `paths`, then the recipe's `packages:` (`mergePackages(defaultPackages(name), recipe)`).
   */
  readonly rules: readonly PathRule[];
  /** Root-level build and check dependencies, recorded in the manifests. */
  readonly buildDeps: readonly string[];
  /** The host architecture every emitted package carries. */
  readonly architecture: string;
  /** Strip ELF files after the debug split; default true (recipe `strip`). */
  readonly strip?: boolean;
  /** Which objcopy/strip split and strip ELF files; default `llvm` (recipe `toolchain`). */
  readonly toolchain?: 'llvm' | 'gnu';
  /** `-b/--build-release`, default 1. */
  readonly buildRelease?: number;
}
