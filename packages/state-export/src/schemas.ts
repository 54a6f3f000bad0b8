import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The JSON Schemas shipped in the package's `schema/` folder (also an export: `@serpent/state-export/schema/…`). */
export const LOCK_SCHEMA_FILE = 'moss-lock-1.schema.json';
export const MODEL_SCHEMA_FILE = 'moss-model-1.schema.json';

// `../schema` from src/ (tests) and from dist/ (the published build) alike. Each URL is written
// out literally so that the tools' bundler (scripts/bundle.mjs) finds the file, copies it beside
// the bundle and rewrites the URL; a URL built from a template would point nowhere there.
const SCHEMA_URLS: Record<string, URL> = {
  [LOCK_SCHEMA_FILE]: new URL('../schema/moss-lock-1.schema.json', import.meta.url),
  [MODEL_SCHEMA_FILE]: new URL('../schema/moss-model-1.schema.json', import.meta.url),
};

function load(name: string): Record<string, unknown> {
  const url = SCHEMA_URLS[name];
  if (url === undefined) throw new Error(`no shipped schema named ${name}`);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

const cache = new Map<string, ValidateFunction>();

/** The compiled validator of a shipped schema, compiled on first use (importing has no side effects). */
export function validatorFor(name: string): ValidateFunction {
  let v = cache.get(name);
  if (v === undefined) {
    v = new Ajv({ allErrors: true, strict: true }).compile(load(name));
    cache.set(name, v);
  }
  return v;
}

/** A shipped schema as an object, for tools that want to show or re-use it. */
export function schemaOf(kind: 'lock' | 'model'): Record<string, unknown> {
  return load(kind === 'lock' ? LOCK_SCHEMA_FILE : MODEL_SCHEMA_FILE);
}

/** `/packages/3/hash` → ['packages', '3', 'hash']. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** One ajv error in words: `packages › 3 › hash must match pattern "^[0-9a-f]{64}$"`. */
export function describeError(e: ErrorObject): string {
  const where = pointerSegments(e.instancePath).join(' › ') || 'the file';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown key ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'const')
    return `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  return `${where} ${e.message}`;
}

/** The most telling error: the deepest path first ("packages › 3 › hash" says more than "packages"). */
export function firstError(errors: readonly ErrorObject[]): ErrorObject {
  return [...errors].sort(
    (a, b) => pointerSegments(b.instancePath).length - pointerSegments(a.instancePath).length,
  )[0]!;
}
