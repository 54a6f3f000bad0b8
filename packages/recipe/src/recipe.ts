/** The phases a recipe (or a profile) may script, in boulder's names. */
export const PHASES = ['setup', 'build', 'install', 'check', 'workload'] as const;
export type PhaseName = (typeof PHASES)[number];

/** A source archive or file, verified by SHA-256. */
export interface RecipePlainUpstream {
  readonly kind: 'plain';
  readonly uri: string;
  readonly hash: string;
  readonly rename?: string;
  /** `tar --strip-components`, default 1. */
  readonly stripDirs: number;
  readonly unpack: boolean;
  readonly unpackDir?: string;
}

/** A git repository at a ref (`git|URL: ref`). */
export interface RecipeGitUpstream {
  readonly kind: 'git';
  readonly uri: string;
  readonly ref: string;
  readonly cloneDir?: string;
  readonly staging: boolean;
}

export type RecipeUpstream = RecipePlainUpstream | RecipeGitUpstream;

/** The build fields a recipe's root and each `profiles:` entry may set. */
export interface BuildSpec {
  readonly setup?: string;
  readonly build?: string;
  readonly install?: string;
  readonly check?: string;
  readonly workload?: string;
  readonly environment?: string;
  readonly builddeps: readonly string[];
  readonly checkdeps: readonly string[];
}

/** A collection rule; `kind` (any, exe, symlink, special) is recorded, as boulder does. */
export interface RecipePath {
  readonly pattern: string;
  readonly kind: 'any' | 'exe' | 'symlink' | 'special';
}

/** A `packages:` entry; the name is still a template (`%(name)-devel`). */
export interface RecipePackage {
  readonly name: string;
  readonly summary?: string;
  readonly description?: string;
  readonly rundeps: readonly string[];
  readonly paths: readonly RecipePath[];
  readonly conflicts: readonly string[];
}

/** `- group` (true), `- group: false`, `- group: option`. */
export interface TuningChoice {
  readonly group: string;
  readonly value: boolean | string;
}

/** A `stone.yaml`, validated and with every default applied. */
export interface Recipe extends BuildSpec {
  readonly name: string;
  /** Always the text written in the file: `1.10` stays `1.10`. */
  readonly version: string;
  readonly release: number;
  readonly homepage: string;
  readonly licenses: readonly string[];
  readonly summary: string;
  readonly description: string;
  readonly upstreams: readonly RecipeUpstream[];
  readonly rundeps: readonly string[];
  readonly conflicts: readonly string[];
  readonly paths: readonly RecipePath[];
  readonly profiles: ReadonlyArray<{ readonly target: string; readonly spec: BuildSpec }>;
  readonly packages: readonly RecipePackage[];
  readonly architectures: readonly string[];
  readonly tuning: readonly TuningChoice[];
  readonly emul32: boolean;
  readonly mold: boolean;
  readonly toolchain: 'llvm' | 'gnu';
  readonly cspgo: boolean;
  readonly samplepgo: boolean;
  readonly strip: boolean;
  readonly networking: boolean;
  /** Where each script starts in the file (1-based), keyed `setup` or `profiles.emul32.setup`. */
  readonly scriptLines: Readonly<Record<string, number>>;
  /** The file the recipe came from, for messages. */
  readonly file: string;
}

/** A key the schema does not know, or another thing worth telling the author. */
export interface RecipeWarning {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}
