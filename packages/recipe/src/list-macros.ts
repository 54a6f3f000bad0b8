import { MacroExpander } from './expand-macros.js';
import { macroLayers, macroTable, tuningTables } from './expand-recipe.js';
import type { MacroSet } from './load-macros.js';
import { resolveTuning, type Toolchain } from './resolve-tuning.js';

export interface MacroListing {
  readonly target: string;
  readonly toolchain: Toolchain;
  readonly definitions: ReadonlyArray<{ name: string; value: string; expansion: string; file: string }>;
  readonly actions: ReadonlyArray<{
    name: string;
    description: string;
    example?: string;
    command: string;
    expansion: string;
    dependencies: readonly string[];
    file: string;
  }>;
  /** `%break_continue`, `%break_exit`: not actions, they cut a phase (see `splitAtBreakpoints`). */
  readonly breakpoints: ReadonlyArray<{ name: string; description: string }>;
  readonly tuning: ReadonlyArray<{
    group: string;
    options: readonly string[];
    default?: string;
    isDefault: boolean;
  }>;
}

/** Values that come from a recipe or a build: listed as themselves. */
const PER_RECIPE = new Set(['name', 'version', 'release', 'jobs', 'sourcedateepoch', 'workdir']);

/**
 * Every definition and action visible to `target`, with its raw text, the file that set it
 * (the last one: later files override) and its expansion for a default build, recipe values
 * such as `%(name)` left in place.
 */
export function listMacros(macros: MacroSet, target = 'x86_64', toolchain: Toolchain = 'llvm'): MacroListing {
  const layers = macroLayers(macros, target);
  const tuning = tuningTables(layers);
  const flags = resolveTuning({ ...tuning, choices: [], toolchain });
  const table = macroTable(layers, {
    target,
    stage: 'none',
    toolchain,
    mold: false,
    compilerCache: false,
    jobs: 1,
    sourceDateEpoch: 0,
    workDir: undefined,
    name: '',
    version: '',
    release: '',
    flags,
  });
  const expander = new MacroExpander(table, PER_RECIPE);
  const fileOf = (kind: 'definitions' | 'actions', name: string) =>
    [...layers].reverse().find((l) => l[kind].has(name))?.id ?? '(computed)';
  const byName = <T>(m: ReadonlyMap<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    target,
    toolchain,
    definitions: byName(table.definitions).map(([name, value]) => ({
      name,
      value: PER_RECIPE.has(name) ? `%(${name})` : value,
      expansion: expander.expand(`%(${name})`, {
        file: `${fileOf('definitions', name)}.yaml`,
        phase: `%(${name})`,
        line: 1,
      }),
      file: fileOf('definitions', name),
    })),
    actions: byName(table.actions).map(([name, a]) => ({
      name,
      description: a.description,
      ...(a.example === undefined ? {} : { example: a.example }),
      command: a.command,
      expansion: expander.expand(`%${name}`, {
        file: `${fileOf('actions', name)}.yaml`,
        phase: `%${name}`,
        line: 1,
      }),
      dependencies: a.dependencies,
      file: fileOf('actions', name),
    })),
    breakpoints: [
      {
        name: 'break_continue',
        description: 'Stop here with a shell in the build container; the build goes on when it exits 0',
      },
      {
        name: 'break_exit',
        description: 'Stop here with a shell in the build container; the build stops when it exits',
      },
    ],
    tuning: byName(tuning.groups).map(([group, g]) => ({
      group,
      options: [...g.options.keys()],
      ...(g.default === undefined ? {} : { default: g.default }),
      isDefault: tuning.defaults.includes(group),
    })),
  };
}

/** What one name stands for in a listing: an action, a definition (a name may be both), or a breakpoint. */
export interface FoundMacro {
  readonly action?: MacroListing['actions'][number];
  readonly definition?: MacroListing['definitions'][number];
  readonly breakpoint?: MacroListing['breakpoints'][number];
}

/**
 * Looks `name` up as a recipe writes it (`%cmake`, `%(libdir)`) or bare (`cmake`); undefined
 * when the listing has nothing of that name.
 */
export function findMacro(listing: MacroListing, name: string): FoundMacro | undefined {
  const bare = name.replace(/^%\(?|\)$/g, '');
  const breakpoint = listing.breakpoints.find((x) => x.name === bare);
  if (breakpoint) return { breakpoint };
  const action = listing.actions.find((x) => x.name === bare);
  const definition = listing.definitions.find((x) => x.name === bare);
  if (!action && !definition) return undefined;
  return { ...(action ? { action } : {}), ...(definition ? { definition } : {}) };
}
