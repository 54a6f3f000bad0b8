import { isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import { RecipeError } from './recipe-error.js';
import { nodeAt } from './yaml-locate.js';

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The new scalar written in the same quoting style as the old one. */
function styled(old: Scalar, value: string): string {
  if (old.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (old.type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  // Plain stays plain when YAML reads it back as the same string.
  const plain =
    /^[A-Za-z0-9_./+~-][A-Za-z0-9_./+~:@=,|-]*$/.test(value) &&
    !/^[0-9.+-]+$/.test(value) &&
    !/: /.test(value);
  return plain ? value : JSON.stringify(value);
}

function scalarEdit(node: unknown, value: string, what: string, file: string, raw = false): Edit {
  if (
    !isScalar(node) ||
    !node.range ||
    node.type === Scalar.BLOCK_LITERAL ||
    node.type === Scalar.BLOCK_FOLDED
  ) {
    throw new RecipeError('RECIPE_EDIT_FAILED', `${file}: ${what} is not a single-line value`, {
      hint: `write ${what} as a plain \`key: value\` line`,
      details: { file, key: what },
    });
  }
  return { start: node.range[0], end: node.range[1], text: raw ? value : styled(node, value) };
}

function apply(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function parse(text: string, file: string) {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    throw new RecipeError('RECIPE_YAML_INVALID', `${file} is not a YAML map`, {
      hint: 'run `boulder recipe expand` on it to see what is wrong',
      details: { file },
    });
  }
  return doc;
}

function releaseOf(doc: ReturnType<typeof parse>, file: string): number {
  const node = nodeAt(doc, ['release']);
  const old = isScalar(node) ? Number(node.value) : Number.NaN;
  if (!Number.isInteger(old)) {
    throw new RecipeError('RECIPE_EDIT_FAILED', `${file}: no integer release to bump`, {
      hint: 'add `release: 1` to the recipe',
      details: { file, key: 'release' },
    });
  }
  return old;
}

function releaseEdit(doc: ReturnType<typeof parse>, release: number | undefined, file: string): Edit {
  const old = releaseOf(doc, file);
  // An integer is written bare, whatever the old style.
  return scalarEdit(nodeAt(doc, ['release']), String(release ?? old + 1), 'release', file, true);
}

/** The recipe's `release` (what `bumpRelease` starts from); not an integer: RECIPE_EDIT_FAILED. */
export function recipeRelease(text: string, file = 'stone.yaml'): number {
  return releaseOf(parse(text, file), file);
}

/**
 * Sets `release` to `release` (default: one more), changing only that value's characters:
 * comments, alignment and key order stay as they were.
 */
export function bumpRelease(text: string, release?: number, file = 'stone.yaml'): string {
  return apply(text, [releaseEdit(parse(text, file), release, file)]);
}

/** A new upstream, matched by position with the recipe's: a plain URL + hash, or a git ref. */
export type UpstreamUpdate = { readonly uri: string; readonly hash: string } | { readonly ref: string };

/**
 * Rewrites `version`, each upstream (plain: URL key and hash, in a short or map form; git:
 * the ref) and, unless `bump` is false, bumps the release, editing the text in place.
 */
export function updateRecipe(
  text: string,
  update: {
    readonly version: string;
    readonly upstreams: readonly UpstreamUpdate[];
    readonly bump?: boolean;
  },
  file = 'stone.yaml',
): string {
  const doc = parse(text, file);
  const edits: Edit[] = [scalarEdit(nodeAt(doc, ['version']), update.version, 'version', file)];
  if (update.bump !== false) edits.push(releaseEdit(doc, undefined, file));
  const seq = nodeAt(doc, ['upstreams']);
  const items = isSeq(seq) ? seq.items : [];
  if (update.upstreams.length > items.length) {
    throw new RecipeError(
      'RECIPE_EDIT_FAILED',
      `${file}: ${update.upstreams.length} upstreams given, the recipe has ${items.length}`,
      {
        hint: 'pass one --upstream per recipe upstream, in the recipe’s order',
        details: { file, given: update.upstreams.length, recipe: items.length },
      },
    );
  }
  update.upstreams.forEach((u, i) => {
    const entry = items[i];
    const pair = isMap(entry) ? entry.items[0] : undefined;
    const key = pair?.key;
    if (!pair || !isScalar(key)) return;
    const isGit = String(key.value).startsWith('git|');
    const mismatch = isGit !== 'ref' in u;
    if (mismatch) {
      throw new RecipeError(
        'RECIPE_EDIT_FAILED',
        `${file}: upstream ${i + 1} is ${isGit ? 'a git' : 'a plain'} upstream`,
        {
          hint: isGit ? 'give a git ref for it' : 'give a URL (its hash is computed) for it',
          details: { file, upstream: i + 1 },
        },
      );
    }
    const value = pair.value;
    if ('ref' in u) {
      edits.push(
        scalarEdit(isMap(value) ? value.get('ref', true) : value, u.ref, `upstreams[${i}] ref`, file),
      );
      return;
    }
    edits.push(scalarEdit(key, u.uri, `upstreams[${i}] URL`, file));
    edits.push(
      scalarEdit(isMap(value) ? value.get('hash', true) : value, u.hash, `upstreams[${i}] hash`, file),
    );
  });
  return apply(text, edits);
}
