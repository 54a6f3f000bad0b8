import type { ActionMacro } from './macro-file.js';
import { RecipeError } from './recipe-error.js';

/** A piece of script text: literal text, `%(definition)` or `%action`. */
export type MacroToken =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'definition' | 'action'; readonly name: string; readonly offset: number };

const IDENT = /[A-Za-z0-9_]/;

/**
 * boulder's macro syntax: `%(ident)` a definition, `%ident` an action, `%%` a literal `%`;
 * any other `%` (`%{`, `% `, a `%(` without its `)`) is plain text.
 */
export function tokenizeMacros(text: string): MacroToken[] {
  const out: MacroToken[] = [];
  let buf = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '%') {
      buf += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '%') {
      buf += '%';
      i += 2;
      continue;
    }
    if (next === '(') {
      let j = i + 2;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      if (j > i + 2 && text[j] === ')') {
        if (buf) out.push({ kind: 'text', text: buf });
        buf = '';
        out.push({ kind: 'definition', name: text.slice(i + 2, j), offset: i });
        i = j + 1;
        continue;
      }
    } else if (next !== undefined && IDENT.test(next)) {
      let j = i + 1;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      if (buf) out.push({ kind: 'text', text: buf });
      buf = '';
      out.push({ kind: 'action', name: text.slice(i + 1, j), offset: i });
      i = j;
      continue;
    }
    buf += c;
    i++;
  }
  if (buf) out.push({ kind: 'text', text: buf });
  return out;
}

/** The definitions and actions visible to one script (one target, one build). */
export interface MacroTable {
  readonly definitions: ReadonlyMap<string, string>;
  readonly actions: ReadonlyMap<string, ActionMacro>;
}

/** Where a script comes from, so an error can name the recipe file, phase and line. */
export interface ScriptOrigin {
  readonly file: string;
  /** `setup`, `profiles.emul32.build`, `macro %configure` ... */
  readonly phase: string;
  /** 1-based line of the script's first character in `file`. */
  readonly line: number;
}

class Unknown extends Error {
  constructor(
    readonly kind: 'definition' | 'action' | 'cycle',
    readonly macro: string,
    readonly chain: readonly string[],
  ) {
    super(macro);
  }
}

const show = (kind: 'definition' | 'action', name: string) =>
  kind === 'definition' ? `%(${name})` : `%${name}`;

/**
 * Expands scripts against one macro table. Nested expansions (an action's command, a
 * definition's value) are expanded recursively and trimmed, as boulder does, so arguments
 * written after `%configure` land on its last line. Results are memoised per table; a cycle
 * is an error instead of a stack overflow. Every action reached (also through other actions)
 * is recorded in `usedActions`, for their build dependencies.
 */
export class MacroExpander {
  readonly usedActions = new Set<string>();
  private readonly memo = new Map<string, string>();

  constructor(
    readonly table: MacroTable,
    /** Definitions printed as themselves (`%(name)`), for listings without a recipe. */
    private readonly keep: ReadonlySet<string> = new Set(),
  ) {}

  /** Expands a script; an unknown macro throws RECIPE_UNKNOWN_MACRO naming the line. */
  expand(text: string, origin: ScriptOrigin): string {
    let out = '';
    for (const t of tokenizeMacros(text)) {
      if (t.kind === 'text') {
        out += t.text;
        continue;
      }
      try {
        out += this.resolve(t.kind, t.name, []);
      } catch (e) {
        if (!(e instanceof Unknown)) throw e;
        const line = origin.line + countLines(text, t.offset);
        const via = e.chain.length > 1 ? ` (via ${e.chain.slice(0, -1).join(' → ')})` : '';
        const what =
          e.kind === 'cycle'
            ? `macro ${e.macro} refers to itself${via}`
            : `unknown ${e.kind} macro ${show(e.kind, e.macro)}${via}`;
        throw new RecipeError(
          e.kind === 'cycle' ? 'RECIPE_MACRO_CYCLE' : 'RECIPE_UNKNOWN_MACRO',
          `${origin.file}:${line}: ${origin.phase}: ${what}`,
          {
            hint:
              e.kind === 'cycle'
                ? 'break the loop in the macro definitions'
                : 'check the spelling; `boulder recipe macros` lists every macro (write %% for a literal %)',
            details: { file: origin.file, phase: origin.phase, line, macro: e.macro },
          },
        );
      }
    }
    return out;
  }

  /** The expanded value of a definition or action, trimmed (as it is when nested). */
  resolve(kind: 'definition' | 'action', name: string, chain: readonly string[]): string {
    const key = `${kind}:${name}`;
    const hit = this.memo.get(key);
    if (kind === 'action') this.usedActions.add(name);
    if (hit !== undefined) {
      if (kind === 'action') this.markNested(name, new Set());
      return hit;
    }
    if (kind === 'definition' && this.keep.has(name)) return `%(${name})`;
    const here = [...chain, show(kind, name)];
    if (chain.includes(show(kind, name))) throw new Unknown('cycle', show(kind, name), here);
    const source =
      kind === 'definition' ? this.table.definitions.get(name) : this.table.actions.get(name)?.command;
    if (source === undefined) throw new Unknown(kind, name, here);
    let out = '';
    for (const t of tokenizeMacros(source))
      out += t.kind === 'text' ? t.text : this.resolve(t.kind, t.name, here);
    out = out.trim();
    this.memo.set(key, out);
    return out;
  }

  /** A memoised action still counts its nested actions as used. */
  private markNested(name: string, seen: Set<string>): void {
    if (seen.has(name)) return;
    seen.add(name);
    for (const t of tokenizeMacros(this.table.actions.get(name)?.command ?? '')) {
      if (t.kind === 'action' && this.table.actions.has(t.name)) {
        this.usedActions.add(t.name);
        this.markNested(t.name, seen);
      }
    }
  }
}

function countLines(text: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
