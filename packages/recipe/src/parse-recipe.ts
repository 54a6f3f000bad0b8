import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isScalar, LineCounter, type Node, parseDocument, Scalar } from 'yaml';
import type {
  BuildSpec,
  Recipe,
  RecipePackage,
  RecipePath,
  RecipeUpstream,
  RecipeWarning,
  TuningChoice,
} from './recipe.js';
import { RecipeError } from './recipe-error.js';
import { recipeSchema, TRUE_WORDS } from './recipe-schema.js';
import { keyAt, lineOf, nodeAt, pointerSegments } from './yaml-locate.js';

// One compiled validator for the process: compiling the schema took 120-700 ms on a loaded
// 2-core machine, while parsing and validating a recipe takes ~1 ms (bench/recipe.bench.mjs).
let validate: ReturnType<Ajv['compile']> | undefined;
function validator() {
  validate ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strictTypes: false }).compile(
    recipeSchema,
  );
  return validate;
}

type Json = Record<string, unknown>;

export interface ParsedRecipe {
  readonly recipe: Recipe;
  readonly warnings: readonly RecipeWarning[];
}

function expected(e: ErrorObject): string {
  const described = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'required':
      return `missing required key \`${(e.params as { missingProperty: string }).missingProperty}\``;
    case 'minProperties':
    case 'maxProperties':
      return `expected ${described ?? 'a map with a single key'}`;
    case 'minLength':
      return `expected ${described ?? 'a longer string'} (at least ${(e.params as { limit: number }).limit} characters)`;
    case 'pattern':
      return `expected ${described ?? `text matching ${(e.params as { pattern: string }).pattern}`}`;
    default:
      return `expected ${described ?? e.message ?? 'something else'}`;
  }
}

const stringyBool = (v: unknown, dflt: boolean): boolean =>
  v === undefined ? dflt : v === true || (TRUE_WORDS as readonly unknown[]).includes(v);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function pathsOf(v: unknown): RecipePath[] {
  return (Array.isArray(v) ? v : []).map((p) => {
    if (typeof p === 'string') return { pattern: p, kind: 'any' };
    const [pattern, kind] = Object.entries(p as Json)[0]!;
    return { pattern, kind: kind as RecipePath['kind'] };
  });
}

function buildSpecOf(o: Json): BuildSpec {
  const spec: { -readonly [K in keyof BuildSpec]: BuildSpec[K] } = {
    builddeps: strings(o.builddeps),
    checkdeps: strings(o.checkdeps),
  };
  for (const k of ['setup', 'build', 'install', 'check', 'workload', 'environment'] as const) {
    const v = o[k];
    // boulder treats an empty environment or the literal "(null)" as absent.
    if (typeof v === 'string' && v.trim() !== '' && !(k === 'environment' && v.trim() === '(null)'))
      spec[k] = v;
  }
  return spec;
}

function upstreamOf(entry: Json): RecipeUpstream {
  const [key, value] = Object.entries(entry)[0]!;
  if (key.startsWith('git|')) {
    const uri = key.slice(4);
    if (typeof value === 'string') return { kind: 'git', uri, ref: value, staging: true };
    const v = value as Json;
    return {
      kind: 'git',
      uri,
      ref: String(v.ref),
      staging: stringyBool(v.staging, true),
      ...(typeof v.clonedir === 'string' ? { cloneDir: v.clonedir } : {}),
    };
  }
  if (typeof value === 'string') return { kind: 'plain', uri: key, hash: value, stripDirs: 1, unpack: true };
  const v = value as Json;
  return {
    kind: 'plain',
    uri: key,
    hash: String(v.hash),
    stripDirs: typeof v.stripdirs === 'number' ? v.stripdirs : 1,
    unpack: stringyBool(v.unpack, true),
    ...(typeof v.rename === 'string' ? { rename: v.rename } : {}),
    ...(typeof v.unpackdir === 'string' ? { unpackDir: v.unpackdir } : {}),
  };
}

/** Line where a script's text starts: the next line for `key: |` blocks. */
function scriptLine(doc: Document, path: string[], lines: LineCounter): number | undefined {
  const node = nodeAt(doc, path);
  if (!isScalar(node)) return undefined;
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  return lineOf(node, lines) + (block ? 1 : 0);
}

/**
 * Parses and validates a `stone.yaml`. Schema errors throw one RecipeError listing every
 * problem as `file:line: what was expected`; unknown keys come back as warnings.
 */
export function parseRecipe(text: string, file = 'stone.yaml'): ParsedRecipe {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map(
      (e) => `${file}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`,
    );
    throw new RecipeError('RECIPE_YAML_INVALID', `${file} is not valid YAML:\n  ${problems.join('\n  ')}`, {
      hint: 'fix the YAML syntax at the line shown (indentation and `key: value` pairs)',
      details: { file, line: doc.errors[0]!.linePos?.[0]?.line ?? 1, problems },
    });
  }
  const data = doc.toJS() as unknown;
  const check = validator();
  const warnings: RecipeWarning[] = [];
  if (!check(data)) {
    const errors: Array<{ line: number; message: string }> = [];
    const seen = new Set<string>();
    for (const e of check.errors ?? []) {
      const path = pointerSegments(e.instancePath);
      if (e.keyword === 'additionalProperties') {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const where = path.length ? ` in ${path.join('.')}` : '';
        warnings.push({
          file,
          line: lineOf(keyAt(doc, path, key), lines),
          message: `unknown key \`${key}\`${where} (ignored)`,
        });
        continue;
      }
      const line = lineOf(nodeAt(doc, path), lines);
      const at = path.length ? path.join('.') : 'the recipe';
      const message = `${at}: ${expected(e)}`;
      if (seen.has(`${line}:${message}`)) continue;
      seen.add(`${line}:${message}`);
      errors.push({ line, message });
    }
    if (errors.length > 0) {
      errors.sort((a, b) => a.line - b.line);
      const problems = errors.map((e) => `${file}:${e.line}: ${e.message}`);
      throw new RecipeError(
        'RECIPE_SCHEMA_INVALID',
        `${file} is not a valid recipe:\n  ${problems.join('\n  ')}`,
        {
          hint: 'fix the keys named above; the JSON Schema `recipeSchema` of @serpent/recipe lists every key and its type',
          details: { file, line: errors[0]!.line, problems },
        },
      );
    }
  }
  const o = data as Json;
  // The version as written: YAML would turn `1.10` into the number 1.1.
  let version = String(o.version);
  const vnode = nodeAt(doc, ['version']) as Node | undefined;
  if (typeof o.version === 'number' && vnode?.range) {
    version = text.slice(vnode.range[0], vnode.range[1]).trim();
    // Only worth saying where boulder, which reads the number, would print another version.
    if (String(o.version) !== version) {
      warnings.push({
        file,
        line: lineOf(vnode, lines),
        message: `version ${version} is a YAML number that boulder reads as ${o.version}; quote it`,
      });
    }
  }
  const scriptLines: Record<string, number> = {};
  const profiles = (Array.isArray(o.profiles) ? (o.profiles as Json[]) : []).map((entry, i) => {
    const [target, spec] = Object.entries(entry)[0]!;
    for (const k of ['setup', 'build', 'install', 'check', 'workload', 'environment']) {
      const l = scriptLine(doc, ['profiles', String(i), target, k], lines);
      if (l !== undefined) scriptLines[`profiles.${target}.${k}`] = l;
    }
    return { target, spec: buildSpecOf(spec as Json) };
  });
  for (const k of ['setup', 'build', 'install', 'check', 'workload', 'environment']) {
    const l = scriptLine(doc, [k], lines);
    if (l !== undefined) scriptLines[k] = l;
  }
  const packages: RecipePackage[] = (Array.isArray(o.packages) ? (o.packages as Json[]) : []).map((entry) => {
    const [name, v] = Object.entries(entry)[0]!;
    const p = (v ?? {}) as Json;
    return {
      name,
      ...(typeof p.summary === 'string' ? { summary: p.summary } : {}),
      ...(typeof p.description === 'string' ? { description: p.description } : {}),
      rundeps: strings(p.rundeps),
      paths: pathsOf(p.paths),
      conflicts: strings(p.conflicts),
    };
  });
  const tuning: TuningChoice[] = (Array.isArray(o.tuning) ? o.tuning : []).map((t) => {
    if (typeof t === 'string') return { group: t, value: true };
    const [group, value] = Object.entries(t as Json)[0]!;
    return { group, value: value as boolean | string };
  });
  const recipe: Recipe = {
    file,
    name: String(o.name),
    version,
    release: o.release as number,
    homepage: String(o.homepage),
    licenses: typeof o.license === 'string' ? [o.license] : strings(o.license),
    summary: typeof o.summary === 'string' ? o.summary : '',
    description: typeof o.description === 'string' ? o.description : '',
    upstreams: (Array.isArray(o.upstreams) ? (o.upstreams as Json[]) : []).map(upstreamOf),
    ...buildSpecOf(o),
    rundeps: strings(o.rundeps),
    conflicts: strings(o.conflicts),
    paths: pathsOf(o.paths),
    profiles,
    packages,
    architectures: strings(o.architectures),
    tuning,
    emul32: stringyBool(o.emul32, false),
    mold: stringyBool(o.mold, false),
    toolchain: o.toolchain === 'gnu' ? 'gnu' : 'llvm',
    cspgo: stringyBool(o.cspgo, false),
    samplepgo: stringyBool(o.samplepgo, false),
    strip: stringyBool(o.strip, true),
    networking: stringyBool(o.networking, false),
    scriptLines,
  };
  return { recipe, warnings };
}
