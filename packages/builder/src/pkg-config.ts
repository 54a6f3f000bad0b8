/**
 * The module names a `.pc` file requires (`Requires` and `Requires.private`), as
 * `pkg-config --print-requires --print-requires-private` lists them: variables expanded,
 * version constraints dropped, file order kept.
 */
export function pkgConfigRequires(text: string): string[] {
  const vars = new Map<string, string>();
  const expand = (s: string, depth = 0): string =>
    depth > 16 ? s : s.replace(/\$\{([^}]*)\}/g, (_, k: string) => expand(vars.get(k) ?? '', depth + 1));
  const out: string[] = [];
  // Continuation lines end in a backslash.
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|[^\\])#.*$/, '$1').trim();
    const field = /^([A-Za-z0-9_.]+)\s*:\s*(.*)$/.exec(line);
    const variable = /^([A-Za-z0-9_.]+)\s*=\s*(.*)$/.exec(line);
    if (variable && (!field || line.indexOf('=') < line.indexOf(':'))) {
      vars.set(variable[1]!, expand(variable[2]!));
      continue;
    }
    if (!field || (field[1] !== 'Requires' && field[1] !== 'Requires.private')) continue;
    const tokens = expand(field[2]!)
      .split(/[\s,]+/)
      .filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (/^(<=|>=|=|!=|<|>)$/.test(t)) {
        i++; // skip the version after the operator
        continue;
      }
      const glued = /^([^<>=!]+)(<=|>=|=|!=|<|>)/.exec(t);
      out.push(glued ? glued[1]! : t);
    }
  }
  return [...new Set(out)];
}
