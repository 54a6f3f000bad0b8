import { MacroExpander, type MacroTable } from './expand-macros.js';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The `.profile` of the interactive shell at a breakpoint or in `boulder chroot`: the build's
 * environment (the script prologue without `#!`, `set -e`/`set -x` and `TERM`, which would make
 * an interactive shell exit on the first failed command or trace every prompt, and without the
 * work-dir check, which would end the login shell where no build has unpacked the sources yet:
 * the `cd` then just fails and the shell stays in HOME), the recipe's
 * `environment`, then every action as an exported function `a_<name>` taking arguments
 * (`a_configure --disable-static`) and every definition as an exported variable `d_<name>`,
 * named as in the original. A macro that does not expand for this target is left out.
 *
 * An action's text is kept quoted and `eval`ed with the arguments appended to its last line,
 * as `%action args` appends them in a recipe: pasting `"$@"` after the text instead broke the
 * whole profile on the first action ending in a redirection (`done < file "$@"`).
 */
export function shellProfile(
  table: MacroTable,
  prologue: string,
  environment: string,
  title: string,
): string {
  const x = new MacroExpander(table);
  const out = [`# ${title}: written by boulder for an interactive shell, not used by builds`];
  for (const line of prologue.split('\n')) {
    if (/^(#!|set -|TERM=|test -d )/.test(line)) continue;
    out.push(line);
  }
  if (environment.trim()) out.push(environment.trimEnd());
  // scriptBase is the prologue itself, already above.
  for (const name of [...table.actions.keys()].sort().filter((n) => n !== 'scriptBase')) {
    let body: string;
    try {
      body = x.resolve('action', name, []);
    } catch {
      continue; // it needs a macro this target does not define
    }
    out.push(`a_${name}() { eval ${quote(body)}"$(printf ' %q' "$@")"; }`, `export -f a_${name}`);
  }
  for (const name of [...table.definitions.keys()].sort()) {
    let value: string;
    try {
      value = x.resolve('definition', name, []);
    } catch {
      continue;
    }
    out.push(`d_${name}=${quote(value)}; export d_${name}`);
  }
  return `${out.join('\n')}\n`;
}
