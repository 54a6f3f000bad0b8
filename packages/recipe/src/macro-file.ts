import { Ajv } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { RecipeError } from './recipe-error.js';
import { lineOf, nodeAt, pointerSegments } from './yaml-locate.js';

/** An action macro: `%name` inlines `command`; `dependencies` go into the build root. */
export interface ActionMacro {
  readonly description: string;
  readonly example?: string;
  readonly command: string;
  readonly dependencies: readonly string[];
}

/** Compiler flags per compiler kind; `cxx` defaults to `c`. Toolchain sub-maps win. */
export interface FlagValues {
  readonly c?: string;
  readonly cxx?: string;
  readonly d?: string;
  readonly rust?: string;
  readonly ld?: string;
}
export interface TuningFlag extends FlagValues {
  readonly gnu?: FlagValues;
  readonly llvm?: FlagValues;
}

export interface TuningOption {
  readonly enabled: readonly string[];
  readonly disabled: readonly string[];
}

/** A group of flags a recipe switches with `tuning:`: on, off, or one of its options. */
export interface TuningGroup extends TuningOption {
  readonly options: ReadonlyMap<string, TuningOption>;
  readonly default?: string;
}

/** One macro data file (`arch/x86_64.yaml`, `actions/cmake.yaml`). */
export interface MacroFile {
  /** Relative path without `.yaml`: `base`, `emul32/x86_64`, `cmake`. */
  readonly id: string;
  readonly definitions: ReadonlyMap<string, string>;
  readonly actions: ReadonlyMap<string, ActionMacro>;
  readonly flags: ReadonlyMap<string, TuningFlag>;
  readonly tuning: ReadonlyMap<string, TuningGroup>;
  readonly defaultTuningGroups: readonly string[];
}

const single = (value: object) => ({
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: value,
});
const names = { type: ['string', 'array'], items: { type: 'string' } } as const;
const flagValues = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['c', 'cxx', 'd', 'rust', 'ld'].map((k) => [k, { type: 'string' }])),
};
const option = {
  type: 'object',
  additionalProperties: false,
  properties: { enabled: names, disabled: names },
};

const macroFileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    definitions: { type: 'array', items: single({ type: 'string' }) },
    actions: {
      type: 'array',
      items: single({
        type: 'object',
        required: ['description', 'command'],
        additionalProperties: false,
        properties: {
          description: { type: 'string' },
          example: { type: 'string' },
          command: { type: 'string' },
          dependencies: { type: 'array', items: { type: 'string' } },
        },
      }),
    },
    flags: {
      type: 'array',
      items: single({
        ...flagValues,
        properties: { ...flagValues.properties, gnu: flagValues, llvm: flagValues },
      }),
    },
    tuning: {
      type: 'array',
      items: single({
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: names,
          disabled: names,
          options: { type: 'array', items: single(option) },
          default: { type: 'string' },
        },
      }),
    },
    defaultTuningGroups: { type: 'array', items: { type: 'string' } },
  },
} as const;

let validate: ReturnType<Ajv['compile']> | undefined;

type Json = Record<string, unknown>;
const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
const entries = (v: unknown): Array<[string, Json]> =>
  (Array.isArray(v) ? v : []).map((e) => Object.entries(e as Json)[0] as [string, Json]);

/** Parses and validates one macro file; a mistake names the file and line. */
export function parseMacroFile(text: string, id: string): MacroFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  validate ??= new Ajv({ allErrors: true, allowUnionTypes: true }).compile(macroFileSchema);
  const data = (doc.toJS() ?? {}) as unknown;
  const problems =
    doc.errors.length > 0
      ? doc.errors.map((e) => `${id}.yaml:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`)
      : validate(data)
        ? []
        : (validate.errors ?? []).map((e) => {
            const path = pointerSegments(e.instancePath);
            return `${id}.yaml:${lineOf(nodeAt(doc, path), lines)}: ${path.join('.') || 'file'} ${e.message}`;
          });
  if (problems.length > 0) {
    throw new RecipeError(
      'RECIPE_MACROS_INVALID',
      `macro file ${id}.yaml is invalid:\n  ${problems.join('\n  ')}`,
      {
        hint: 'fix the macro data file; every entry is a single-key map',
        details: { file: `${id}.yaml`, problems },
      },
    );
  }
  const o = data as Json;
  // A definition value of YAML `~` or a number is still text.
  const definitions = new Map(entries(o.definitions).map(([k, v]) => [k, v === null ? '' : String(v)]));
  return {
    id,
    definitions,
    actions: new Map(
      entries(o.actions).map(([k, v]) => [
        k,
        {
          description: String(v.description),
          ...(typeof v.example === 'string' ? { example: v.example } : {}),
          command: String(v.command),
          dependencies: list(v.dependencies),
        },
      ]),
    ),
    flags: new Map(entries(o.flags) as Array<[string, TuningFlag]>),
    tuning: new Map(
      entries(o.tuning).map(([k, v]) => [
        k,
        {
          enabled: list(v.enabled),
          disabled: list(v.disabled),
          options: new Map(
            entries(v.options).map(([ok, ov]) => [
              ok,
              { enabled: list(ov.enabled), disabled: list(ov.disabled) },
            ]),
          ),
          ...(typeof v.default === 'string' ? { default: v.default } : {}),
        },
      ]),
    ),
    defaultTuningGroups: list(o.defaultTuningGroups),
  };
}
