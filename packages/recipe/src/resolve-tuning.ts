import type { FlagValues, TuningFlag, TuningGroup } from './macro-file.js';
import type { TuningChoice } from './recipe.js';
import { RecipeError } from './recipe-error.js';
import { FALSE_WORDS, TRUE_WORDS } from './recipe-schema.js';

export type Toolchain = 'llvm' | 'gnu';
export type PgoStage = 'one' | 'two' | 'use' | 'none';

/** The flag strings each compiler kind gets. */
export interface CompilerFlags {
  readonly c: string;
  readonly cxx: string;
  readonly d: string;
  readonly rust: string;
  readonly ld: string;
}

export interface TuningInput {
  readonly flags: ReadonlyMap<string, TuningFlag>;
  readonly groups: ReadonlyMap<string, TuningGroup>;
  /** Groups on unless the recipe mentions them. */
  readonly defaults: readonly string[];
  readonly choices: readonly TuningChoice[];
  readonly toolchain: Toolchain;
  readonly pgoStage?: PgoStage;
  readonly samplePgo?: boolean;
  readonly mold?: boolean;
  /** For messages. */
  readonly file?: string;
}

const KINDS = ['c', 'cxx', 'd', 'rust', 'ld'] as const;

function fail(message: string, file: string | undefined, details: Record<string, unknown>): never {
  throw new RecipeError('RECIPE_UNKNOWN_TUNING', `${file ? `${file}: ` : ''}${message}`, {
    hint: '`boulder recipe macros --json` lists the tuning groups and their options',
    details: { ...(file ? { file } : {}), ...details },
  });
}

/**
 * A choice's value: an option of the group if it has one of that name, else a YAML 1.1 boolean
 * word. Older recipes write `- icf: no` meaning "off" (YAML 1.1, which the original's parser
 * read as false); YAML 1.2 reads it as the text "no", which is no option of `icf`.
 */
function choiceValue(group: TuningGroup, value: boolean | string): boolean | string {
  if (typeof value === 'boolean' || group.options.has(value)) return value;
  if ((FALSE_WORDS as readonly string[]).includes(value)) return false;
  if ((TRUE_WORDS as readonly string[]).includes(value)) return true;
  return value;
}

/**
 * boulder's tuning resolution: `architecture` on; the recipe's choices in order; every default
 * group the recipe did not mention; the PGO stage's group. An enabled group contributes its
 * chosen option's flags (or its own `enabled`), a disabled one its `disabled` flags. Per
 * compiler kind the strings are trimmed, those of one character dropped, de-duplicated and
 * sorted as whole strings, so the result does not depend on the order of groups.
 */
export function resolveTuning(input: TuningInput): CompilerFlags {
  const state = new Map<string, string | true | false>();
  state.set('architecture', true);
  for (const c of input.choices) {
    const group = input.groups.get(c.group);
    if (!group) fail(`unknown tuning group ${c.group}`, input.file, { group: c.group });
    state.set(c.group, choiceValue(group, c.value));
  }
  for (const g of input.defaults) if (!input.choices.some((c) => c.group === g)) state.set(g, true);
  const pgo = { one: 'pgostage1', two: 'pgostage2', use: 'pgouse', none: undefined }[
    input.pgoStage ?? 'none'
  ];
  if (pgo) state.set(pgo, true);
  if (input.pgoStage === 'use' && input.samplePgo) state.set('pgosample', true);

  const names: string[] = [];
  for (const [name, value] of state) {
    const group = input.groups.get(name);
    if (!group) fail(`unknown tuning group ${name}`, input.file, { group: name });
    if (value === false) {
      for (const n of group.disabled) names.push(n);
      continue;
    }
    const optName = value === true ? group.default : value;
    if (optName === undefined) {
      for (const n of group.enabled) names.push(n);
      continue;
    }
    const option = group.options.get(optName);
    if (!option) {
      fail(
        `tuning group ${name} has no option ${optName} (it has: ${[...group.options.keys()].join(', ')}; or write true or false)`,
        input.file,
        {
          group: name,
          option: optName,
        },
      );
    }
    for (const n of option.enabled) names.push(n);
  }
  const out: Record<(typeof KINDS)[number], Set<string>> = {
    c: new Set(),
    cxx: new Set(),
    d: new Set(),
    rust: new Set(),
    ld: new Set(),
  };
  for (const n of names) {
    const flag = input.flags.get(n);
    if (!flag) fail(`tuning flag ${n} is not defined`, input.file, { flag: n });
    const sub: FlagValues = flag[input.toolchain] ?? {};
    for (const k of KINDS) {
      const v = (
        sub[k] ??
        (k === 'cxx' ? sub.c : undefined) ??
        flag[k] ??
        (k === 'cxx' ? flag.c : undefined)
      )?.trim();
      if (v && v.length > 1) out[k].add(v);
    }
  }
  const join = (s: Set<string>) => [...s].sort().join(' ');
  const flags = {
    c: join(out.c),
    cxx: join(out.cxx),
    d: join(out.d),
    rust: join(out.rust),
    ld: join(out.ld),
  };
  if (!input.mold) return flags;
  // mold is a linker: the compiler drivers and rustc are told to use it.
  const add = (s: string, f: string) => (s ? `${s} ${f}` : f);
  return {
    ...flags,
    c: add(flags.c, '-fuse-ld=mold'),
    cxx: add(flags.cxx, '-fuse-ld=mold'),
    ld: add(flags.ld, '-fuse-ld=mold'),
    rust: add(flags.rust, '-Clink-arg=-fuse-ld=mold'),
  };
}
