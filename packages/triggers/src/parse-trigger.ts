import { compilePattern, FnmatchError } from '@serpent/fnmatch';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type Document, isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { Handler, PathRule, PathType, Trigger, TriggerScope } from './trigger.js';
import { triggerSchema } from './trigger-schema.js';
import { TriggersError } from './triggers-error.js';

interface RawTrigger {
  name: string;
  description: string;
  before?: string | string[];
  after?: string | string[];
  handlers: Record<string, { run?: string; args?: string[]; delete?: string[] }>;
  paths: Record<string, { handlers: string[]; type?: PathType }>;
}

// Compiled on first use, not at import: importing the package has no side effects.
let validate: ValidateFunction | undefined;
function validator(): ValidateFunction {
  validate ??= new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(triggerSchema);
  return validate;
}

/** JSON Pointer (`/paths/~1usr~1bin~1*`) to path segments. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The YAML node at `segments`, or the nearest ancestor that exists. */
function nodeAt(doc: Document, segments: readonly string[]): Node | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

function lineOf(lines: LineCounter, node: Node | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The line of a map key (for `paths:` patterns and `handlers:` names). */
function keyLines(doc: Document, key: string, lines: LineCounter): Map<string, number> {
  const out = new Map<string, number>();
  const map = doc.get(key, true);
  if (!isMap(map)) return out;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && item.key.range) {
      out.set(String(item.key.value), lines.linePos(item.key.range[0]).line);
    }
  }
  return out;
}

function describe(e: ErrorObject): string {
  const where = pointerSegments(e.instancePath).join(' › ') || 'the file';
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown key ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  }
  if (e.keyword === 'enum') {
    return `${where} ${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return `${where} ${e.message}`;
}

function nameList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
}

/**
 * Parses and validates one trigger file's text. Pure: `file` only names the source in errors.
 * Throws `TriggersError` (`TRIGGERS_BAD_YAML`, `TRIGGERS_INVALID_FILE`, `TRIGGERS_BAD_PATTERN`,
 * `TRIGGERS_MISSING_HANDLER`) with `details.file` and `details.line`.
 */
export function parseTrigger(text: string, file: string, scope: TriggerScope): Trigger {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0].line;
    throw new TriggersError(
      'TRIGGERS_BAD_YAML',
      `${file}${line ? `:${line}` : ''}: ${yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      { file, line },
    );
  }
  const raw: unknown = doc.toJS();
  const check = validator();
  if (!check(raw)) {
    const errors = check.errors ?? [];
    // Deepest first: "handlers › fonts: must have required property 'run'" says more than its parents.
    const first = [...errors].sort(
      (a, b) => pointerSegments(b.instancePath).length - pointerSegments(a.instancePath).length,
    )[0]!;
    const at = pointerSegments(first.instancePath);
    if (first.keyword === 'additionalProperties') {
      at.push((first.params as { additionalProperty: string }).additionalProperty);
    }
    const line = lineOf(lines, nodeAt(doc, at));
    throw new TriggersError('TRIGGERS_INVALID_FILE', `${file}${line ? `:${line}` : ''}: ${describe(first)}`, {
      file,
      line,
      errors: errors.map(describe),
    });
  }
  const t = raw as RawTrigger;

  const handlers = new Map<string, Handler>();
  for (const [name, h] of Object.entries(t.handlers)) {
    handlers.set(
      name,
      h.delete !== undefined
        ? { kind: 'delete', paths: h.delete }
        : { kind: 'run', run: h.run!, args: h.args ?? [] },
    );
  }

  const patternLines = keyLines(doc, 'paths', lines);
  const paths: PathRule[] = [];
  for (const [source, def] of Object.entries(t.paths)) {
    const line = patternLines.get(source) ?? 0;
    let pattern: PathRule['pattern'];
    try {
      pattern = compilePattern(source);
    } catch (e) {
      if (!(e instanceof FnmatchError)) throw e;
      throw new TriggersError('TRIGGERS_BAD_PATTERN', `${file}:${line}: ${e.message}`, { file, line }, e);
    }
    for (const [i, h] of def.handlers.entries()) {
      if (!handlers.has(h)) {
        const at = lineOf(lines, nodeAt(doc, ['paths', source, 'handlers', String(i)])) ?? line;
        throw new TriggersError(
          'TRIGGERS_MISSING_HANDLER',
          `${file}:${at}: path ${JSON.stringify(source)} names handler ${JSON.stringify(h)}, which is not defined under handlers`,
          { file, line: at, trigger: t.name, handler: h },
        );
      }
    }
    paths.push({ pattern, handlers: [...def.handlers], type: def.type, line });
  }

  return {
    name: t.name,
    description: t.description.trim(),
    scope,
    before: nameList(t.before),
    after: nameList(t.after),
    handlers,
    paths,
    file,
  };
}
