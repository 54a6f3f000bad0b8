/** A collection rule: files matching `pattern` go to `package`. */
export interface PathRule {
  readonly pattern: string;
  readonly package: string;
}

const cache = new Map<string, RegExp>();

/**
 * Glob to RegExp with the semantics of the Rust `glob` crate's defaults that boulder uses:
 * `*` and `**` cross `/`, `?` is one character, `[...]`/`[!...]` are classes.
 */
export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      while (glob[i + 1] === '*') i++;
      re += '.*';
    } else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  const out = new RegExp(`^${re}$`, 's');
  cache.set(glob, out);
  return out;
}

/** A path matches a rule exactly, by glob, or as something below a directory pattern. */
export function ruleMatches(pattern: string, path: string): boolean {
  if (pattern === path) return true;
  if (globToRegExp(pattern).test(path)) return true;
  return globToRegExp(`${pattern.replace(/\/+$/, '')}/**`).test(path);
}

/** The rules of every package in order; later rules win. */
export function rulesOf(
  packages: readonly { readonly name: string; readonly paths?: readonly string[] | undefined }[],
): PathRule[] {
  return packages.flatMap((p) => (p.paths ?? []).map((pattern) => ({ pattern, package: p.name })));
}

/** The package a path belongs to: the last matching rule wins (as in boulder). */
export function assignPackage(rules: readonly PathRule[], path: string): string | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i]!;
    if (ruleMatches(r.pattern, path)) return r.package;
  }
  return undefined;
}
