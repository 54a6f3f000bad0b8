import type { PathRule } from './path-rules.js';
import type { Upstream } from './upstream.js';

/** A phase script, fully macro-expanded shell text. */
export interface BuildPhase {
  readonly name: 'setup' | 'build' | 'install' | 'check' | 'workload';
  readonly script: string;
}

/** One build target (`x86_64`, `emul32/x86_64`) and its phases in run order. */
export interface BuildTarget {
  readonly target: string;
  readonly phases: readonly BuildPhase[];
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
