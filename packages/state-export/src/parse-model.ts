import { parseDependency } from '@serpent/stone';
import { type Document, isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { describeError, firstError, MODEL_SCHEMA_FILE, pointerSegments, validatorFor } from './schemas.js';
import { StateExportError } from './state-export-error.js';
import { MODEL_VERSION, type ModelRepository, type SystemModel } from './system-model.js';

interface RawModel {
  version: number;
  repositories?: Record<
    string,
    { uri: string; priority?: number; description?: string; active?: boolean; keys?: string[] }
  >;
  packages: string[];
}

/** The YAML node at `segments`, or the nearest ancestor that exists. */
function nodeAt(doc: Document, segments: readonly string[]): Node | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

/** The line of `key` in the map under `parent`. */
function keyLine(doc: Document, lines: LineCounter, parent: string, key: string): number | undefined {
  const map = doc.get(parent, true);
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range)
      return lines.linePos(item.key.range[0]).line;
  }
  return undefined;
}

/**
 * Parses and validates a system model's YAML against its JSON Schema (ajv), then what a schema
 * cannot say: every package entry is a name or a `kind(name)` provider, and every repository
 * name is one moss can keep as is (letters, digits, `-`). Pure; `file` names the source in
 * errors, which carry the line. Throws StateExportError (MODEL_BAD_YAML,
 * MODEL_UNSUPPORTED_VERSION, MODEL_INVALID).
 */
export function parseModel(text: string, file = 'system model'): SystemModel {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0].line;
    throw new StateExportError(
      'MODEL_BAD_YAML',
      `${file}${line ? `:${line}` : ''}: ${yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      { file, line },
    );
  }
  const lineOf = (segments: readonly string[]) => {
    const offset = nodeAt(doc, segments)?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
  const at = (segments: readonly string[]) => {
    const line = lineOf(segments);
    return line === undefined ? file : `${file}:${line}`;
  };
  const raw: unknown = doc.toJS();
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== MODEL_VERSION) {
    throw new StateExportError(
      'MODEL_UNSUPPORTED_VERSION',
      `${at(['version'])}: system model version ${version}, and this moss reads version ${MODEL_VERSION}`,
      { file, version },
    );
  }
  const validate = validatorFor(MODEL_SCHEMA_FILE);
  if (!validate(raw)) {
    const errors = validate.errors ?? [];
    const first = firstError(errors);
    const segments = pointerSegments(first.instancePath);
    if (first.keyword === 'additionalProperties')
      segments.push((first.params as { additionalProperty: string }).additionalProperty);
    throw new StateExportError('MODEL_INVALID', `${at(segments)}: ${describeError(first)}`, {
      file,
      line: lineOf(segments),
      errors: errors.map(describeError),
    });
  }
  const m = raw as RawModel;
  m.packages.forEach((p, i) => {
    if (parseDependency(p.trim()) === undefined || p.trim() !== p) {
      throw new StateExportError(
        'MODEL_INVALID',
        `${at(['packages', String(i)])}: ${JSON.stringify(p)} is not a package name or a provider such as binary(nano)`,
        { file, line: lineOf(['packages', String(i)]), package: p },
      );
    }
  });
  let repositories: ModelRepository[] | undefined;
  if (m.repositories !== undefined) {
    repositories = Object.entries(m.repositories).map(([id, r]) => {
      // The repository config's rule (the original's `repository::Id::new`): anything but
      // letters, digits and `-` would be rewritten to `_`, so the model must already comply.
      if (/[^\p{Alphabetic}\p{N}-]/u.test(id)) {
        const line = keyLine(doc, lines, 'repositories', id);
        throw new StateExportError(
          'MODEL_INVALID',
          `${line === undefined ? file : `${file}:${line}`}: repository name ${JSON.stringify(id)} may only hold letters, digits and -`,
          { file, line, repository: id },
        );
      }
      return {
        id,
        uri: r.uri,
        priority: r.priority ?? 0,
        ...(r.description === undefined ? {} : { description: r.description }),
        active: r.active ?? true,
        keys: r.keys ?? [],
      };
    });
  }
  return { version: MODEL_VERSION, repositories, packages: [...m.packages] };
}
