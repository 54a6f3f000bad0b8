import { FnmatchError } from './fnmatch-error.js';

/** The captured variables of a match, by group name. Every group of the pattern is present. */
export type PatternMatch = Readonly<Record<string, string>>;

/** A pattern compiled once; `match` is cheap enough to run over every path of a `/usr`. */
export interface Pattern {
  /** The pattern as written. */
  readonly source: string;
  /** The anchored RegExp it compiles to (flag `u`: one code point is one character). */
  readonly regex: RegExp;
  /** Capture names, sorted, without duplicates (duplicates are an error anyway). */
  readonly groups: readonly string[];
  /**
   * The literal text every match starts with (up to the first wildcard, class or capture), for
   * callers that index patterns by prefix. `match` itself does not pre-check it: V8's compiled
   * RegExp rejects a wrong prefix at its first differing character, and a `startsWith` first
   * made 2.1 M path×pattern checks slower, not faster (about 50 ns per `startsWith`, measured).
   */
  readonly literalPrefix: string;
  /** The captured variables when `path` matches the whole pattern, otherwise null. */
  match(path: string): PatternMatch | null;
  /**
   * Whether some path below `dir/` may match: false only when none can (`dir` is not a leading
   * run of the pattern's `/`-separated parts). What lets a walk of a tree skip every directory
   * no pattern reaches into, instead of listing every path.
   */
  mayMatchBelow(dir: string): boolean;
}

const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EMPTY: PatternMatch = Object.freeze({});

/** Escapes one literal character for a `u`-flag RegExp (where only syntax characters may be escaped). */
function literal(c: string): string {
  return '^$\\.*+?()[]{}|/'.includes(c) ? `\\${c}` : c;
}

/** A character inside a class, written as a code point escape so nothing in it is syntax. */
function classChar(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

interface Scan {
  /** Regex text of the pattern before each top-level `/` (a directory the pattern passes through). */
  readonly dirs: string[];
  /** Past a `**` or a capture holding a `/`: the run before it, then anything, is recorded once. */
  deep: boolean;
  readonly src: string;
  /** Code points of the pattern, so a non-ASCII character is one step (upstream stopped at it). */
  readonly chars: readonly string[];
  /** Offsets in `chars`. */
  i: number;
  readonly names: Set<string>;
  /** Literal text seen before the first non-literal token. */
  prefix: string;
  /** False once a wildcard, class or capture was seen: `prefix` is final. */
  prefixOpen: boolean;
}

function fail(s: Scan, code: ConstructorParameters<typeof FnmatchError>[0], message: string): never {
  throw new FnmatchError(code, s.src, s.i, message);
}

/** `[...]`: `!` or `^` first negates, `]` first is literal, `a-z` is a range, `\` escapes. Never matches `/`. */
function readClass(s: Scan): string {
  const start = s.i;
  s.i++; // '['
  let negate = false;
  if (s.chars[s.i] === '!' || s.chars[s.i] === '^') {
    negate = true;
    s.i++;
  }
  const items: string[] = [];
  let first = true;
  for (;;) {
    let c = s.chars[s.i];
    if (c === undefined) {
      s.i = start;
      fail(s, 'FNMATCH_UNCLOSED_CLASS', 'character class without a closing "]"');
    }
    if (c === ']' && !first) break;
    first = false;
    if (c === '\\') {
      s.i++;
      c = s.chars[s.i];
      if (c === undefined) fail(s, 'FNMATCH_TRAILING_BACKSLASH', 'the pattern ends with "\\"');
    }
    s.i++;
    if (s.chars[s.i] === '-' && s.chars[s.i + 1] !== undefined && s.chars[s.i + 1] !== ']') {
      s.i++;
      let hi = s.chars[s.i]!;
      if (hi === '\\') {
        s.i++;
        hi = s.chars[s.i] ?? fail(s, 'FNMATCH_TRAILING_BACKSLASH', 'the pattern ends with "\\"');
      }
      s.i++;
      if (hi.codePointAt(0)! < c.codePointAt(0)!)
        fail(s, 'FNMATCH_BAD_RANGE', `range ${c}-${hi} is reversed`);
      items.push(`${classChar(c)}-${classChar(hi)}`);
    } else {
      items.push(classChar(c));
    }
  }
  s.i++; // ']'
  // A class never matches "/", like "*" and "?": a path segment is never crossed implicitly.
  return negate ? `[^/${items.join('')}]` : `(?!/)[${items.join('')}]`;
}

/** Reads glob text until the end (top level) or an unescaped ")" (inside a capture). */
function readGlob(s: Scan, inGroup: boolean): string {
  let out = '';
  for (;;) {
    const c = s.chars[s.i];
    if (c === undefined) {
      if (inGroup) fail(s, 'FNMATCH_MALFORMED_GROUP', 'capture without a closing ")"');
      return out;
    }
    if (c === ')') {
      if (inGroup) return out;
      fail(s, 'FNMATCH_UNBALANCED_PAREN', '")" without a capture to close');
    }
    if (c === '\\') {
      s.i++;
      const next = s.chars[s.i];
      if (next === undefined) fail(s, 'FNMATCH_TRAILING_BACKSLASH', 'the pattern ends with "\\"');
      if (s.prefixOpen) s.prefix += next;
      out += literal(next);
      s.i++;
      continue;
    }
    if (c === '*' || c === '?' || c === '[' || c === '(') {
      s.prefixOpen = false;
    }
    if (c === '*') {
      if (s.chars[s.i + 1] === '*') {
        // "**" is a globstar: any text, "/" included. Upstream it was two "*" (one segment).
        if (!s.deep && !inGroup) s.dirs.push(`${out}[\\s\\S]*`);
        s.deep = true;
        out += '[\\s\\S]*';
        s.i += 2;
      } else {
        out += '[^/]*';
        s.i++;
      }
    } else if (c === '?') {
      out += '[^/]';
      s.i++;
    } else if (c === '[') {
      out += readClass(s);
    } else if (c === '(') {
      if (inGroup) fail(s, 'FNMATCH_MALFORMED_GROUP', 'captures do not nest');
      const wasDeep = s.deep;
      const group = readGroup(s);
      // A capture spanning "/" can end in any directory below where it starts.
      if (!wasDeep && s.deep) s.dirs.push(`${out}[\\s\\S]*`);
      out += group;
    } else if (c === ':' && inGroup) {
      fail(s, 'FNMATCH_MALFORMED_GROUP', 'a capture has exactly one ":" (write a literal one as "\\:")');
    } else {
      if (c === '/') {
        if (inGroup) s.deep = true;
        else if (!s.deep && out !== '') s.dirs.push(out);
      }
      if (s.prefixOpen) s.prefix += c;
      out += literal(c);
      s.i++;
    }
  }
}

/** `(name:glob)`: a named capture of whatever `glob` matches. */
function readGroup(s: Scan): string {
  const start = s.i;
  s.i++; // '('
  let name = '';
  for (;;) {
    const c = s.chars[s.i];
    if (c === undefined || c === ')' || c === '(') {
      s.i = start;
      fail(s, 'FNMATCH_MALFORMED_GROUP', 'a capture is written (name:glob)');
    }
    s.i++;
    if (c === ':') break;
    name += c;
  }
  if (!GROUP_NAME.test(name)) {
    s.i = start;
    fail(s, 'FNMATCH_BAD_GROUP_NAME', `invalid capture name ${JSON.stringify(name)}`);
  }
  if (s.names.has(name)) {
    s.i = start;
    fail(s, 'FNMATCH_DUPLICATE_GROUP', `capture name ${JSON.stringify(name)} is used twice`);
  }
  s.names.add(name);
  const body = readGlob(s, true);
  s.i++; // ')'
  return `(?<${name}>${body})`;
}

/**
 * Compiles a path glob with named captures to an anchored RegExp, once.
 *
 * `*` is any text within one path segment, `**` any text across segments, `?` one character
 * other than `/`, `[...]` a character class, `(name:glob)` a named capture, `\c` the literal
 * `c`; everything else is literal text. Throws `FnmatchError` for a malformed pattern.
 */
export function compilePattern(source: string): Pattern {
  const s: Scan = {
    dirs: [],
    deep: false,
    src: source,
    chars: Array.from(source),
    i: 0,
    names: new Set(),
    prefix: '',
    prefixOpen: true,
  };
  const body = readGlob(s, false);
  const regex = new RegExp(`^${body}$`, 'u');
  const groups = [...s.names].sort();
  const literalPrefix = s.prefix;
  const exact = s.prefixOpen; // no wildcard at all: the pattern is its own only match
  // Every directory a match passes through is one of the runs before a top-level "/" (names
  // dropped: a name may appear once per RegExp). Past a "**" or a "/" inside a capture anything
  // below may match, so such a run matches a directory and everything under it.
  const dirs = new RegExp(
    `^(?:${s.dirs.map((d) => d.replace(/\(\?<[A-Za-z_][A-Za-z0-9_]*>/g, '(?:')).join('|') || '(?!)'})$`,
    'u',
  );
  return {
    source,
    regex,
    groups,
    literalPrefix,
    match(path: string): PatternMatch | null {
      if (exact) return path === literalPrefix ? EMPTY : null;
      const m = regex.exec(path);
      if (m === null) return null;
      return m.groups ?? EMPTY;
    },
    mayMatchBelow(dir: string): boolean {
      return dirs.test(dir);
    },
  };
}
