import type { Command } from './command.js';
import type { FlagSpec } from './parse-flags.js';

function flagLines(spec: FlagSpec): string[] {
  const rows = Object.entries(spec).map(([long, d]) => {
    const left = `${d.short ? `-${d.short}, ` : '    '}--${long}${d.value ? ` ${d.placeholder ?? 'VALUE'}` : ''}`;
    return [left, d.description] as const;
  });
  const w = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(w)}  ${d}`);
}

/** The `--help` text of `cmd`, reached through `path` (e.g. `moss state`). */
export function helpText(path: string, cmd: Command, globals: FlagSpec): string {
  const out: string[] = [];
  const full = path ? `${path} ${cmd.name}` : cmd.name;
  out.push(`${full} - ${cmd.summary}`, '');
  if (cmd.subcommands) {
    out.push(`Usage: ${full} <COMMAND> [OPTIONS]`, '', 'Commands:');
    const w = Math.max(
      ...cmd.subcommands.map(
        (c) => c.name.length + (c.aliases?.length ? c.aliases.join(', ').length + 3 : 0),
      ),
    );
    for (const c of cmd.subcommands) {
      const name = c.aliases?.length ? `${c.name} (${c.aliases.join(', ')})` : c.name;
      out.push(`  ${name.padEnd(w)}  ${c.summary}`);
    }
  } else {
    out.push(
      `Usage: ${full}${cmd.flags && Object.keys(cmd.flags).length ? ' [OPTIONS]' : ''}${cmd.synopsis ? ` ${cmd.synopsis}` : ''}`,
    );
  }
  if (cmd.description) out.push('', cmd.description.trimEnd());
  if (cmd.flags && Object.keys(cmd.flags).length > 0) {
    out.push('', 'Options:');
    for (const line of flagLines(cmd.flags)) out.push(line);
  }
  if (Object.keys(globals).length > 0) {
    out.push('', 'Global options:');
    for (const line of flagLines(globals)) out.push(line);
  }
  if (cmd.examples?.length) {
    out.push('', 'Examples:');
    const w = Math.max(...cmd.examples.map(([c]) => c.length));
    for (const [c, what] of cmd.examples) out.push(`  ${c.padEnd(w)}  # ${what}`);
  }
  if (cmd.subcommands) out.push('', `Run \`${full} <COMMAND> --help\` for a command's options.`);
  return `${out.join('\n')}\n`;
}
