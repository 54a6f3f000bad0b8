import { UsageError } from '@serpent/errors';
import type { Command } from './command.js';
import type { CommandIo } from './command-io.js';
import { helpText } from './help-text.js';
import { type FlagSpec, parseFlags } from './parse-flags.js';
import { positionalArity, positionalSynopsis } from './positional-arity.js';
import { EXIT, renderError } from './render-error.js';

export interface CliOptions {
  /** The root command: its name is the tool's name, its subcommands the verbs. */
  readonly root: Command;
  /** Options every command accepts, before or after the verb (`-D ROOT`, `--json`, `-y`). */
  readonly globals: FlagSpec;
  readonly io: CommandIo;
  /**
   * Words that stand for several in the verb position (`moss li` = `moss list installed`).
   * Only the verb is rewritten, after the global options: the original tools rewrote the first
   * matching word anywhere, so `moss install up` tried to install `sync`.
   */
  readonly shortcuts?: Readonly<Record<string, readonly string[]>>;
  /** The tool's version: `-V` / `--version` before any verb print `<tool> <version>`. */
  readonly version?: string;
}

/** `argv` with a shortcut in the verb position replaced by the words it stands for. */
export function expandShortcut(
  argv: readonly string[],
  shortcuts: Readonly<Record<string, readonly string[]>>,
  globals: FlagSpec,
): string[] {
  const out = [...argv];
  const takesValue = (a: string) => {
    if (a.includes('=')) return false;
    const name = a.startsWith('--')
      ? a.slice(2)
      : Object.entries(globals).find(([, d]) => d.short === a.slice(1))?.[0];
    return name !== undefined && globals[name]?.value === true;
  };
  let i = 0;
  while (i < out.length && out[i]!.startsWith('-')) i += takesValue(out[i]!) ? 2 : 1;
  const verb = out[i];
  const words = verb === undefined ? undefined : shortcuts[verb];
  if (words) out.splice(i, 1, ...words);
  return out;
}

const HELP: FlagSpec = { help: { short: 'h', description: 'Print this help' } };
const VERSION: FlagSpec = { version: { short: 'V', description: 'Print the version' } };

function find(cmd: Command, word: string): Command | undefined {
  return cmd.subcommands?.find((c) => c.name === word || c.aliases?.includes(word));
}

/**
 * Dispatches `argv` to a command and returns the exit status. Global options may stand before
 * or after the verbs; `--help` at any level prints that level's help; `help VERB...` too. Every
 * error ends here and is rendered once (see renderError), so commands just throw.
 */
export async function runCli(rawArgv: readonly string[], options: CliOptions): Promise<number> {
  const { root, globals, io } = options;
  const argv = options.shortcuts ? expandShortcut(rawArgv, options.shortcuts, globals) : rawArgv;
  const tool = root.name;
  const json = argv.includes('--json');
  try {
    if (argv[0] === 'help') {
      let cmd = root;
      const path: string[] = [];
      for (const w of argv.slice(1)) {
        const next = find(cmd, w);
        const here = [...path, cmd.name].join(' ');
        if (!next) throw new UsageError(`${here}: no command "${w}"`, `see \`${here} --help\``);
        path.push(cmd.name);
        cmd = next;
      }
      io.stdout(helpText(path.join(' '), cmd, globals));
      return EXIT.ok;
    }
    let cmd = root;
    const path: string[] = [];
    const pre: string[] = [];
    let i = 0;
    while (cmd.subcommands) {
      const a = argv[i];
      if (a === undefined) {
        io.stdout(
          helpText(
            path.join(' '),
            cmd,
            cmd === root && options.version ? { ...globals, ...VERSION } : globals,
          ),
        );
        return cmd === root ? EXIT.ok : EXIT.usage;
      }
      if (a === '--help' || a === '-h') {
        io.stdout(
          helpText(
            path.join(' '),
            cmd,
            cmd === root && options.version ? { ...globals, ...VERSION } : globals,
          ),
        );
        return EXIT.ok;
      }
      if (cmd === root && options.version !== undefined && (a === '--version' || a === '-V')) {
        io.stdout(`${tool} ${options.version}\n`);
        return EXIT.ok;
      }
      if (a.startsWith('-')) {
        // A global option before the verb; consume its value too.
        const name = a.startsWith('--')
          ? a.slice(2).split('=')[0]!
          : [...Object.entries(globals)].find(([, d]) => d.short === a.slice(1, 2))?.[0];
        const def = name === undefined ? undefined : globals[name];
        if (!def)
          throw new UsageError(
            `${[...path, cmd.name].join(' ')}: unknown option ${a}`,
            `see \`${[...path, cmd.name].join(' ')} --help\``,
          );
        pre.push(a);
        if (def.value && !a.includes('=') && !(a.length > 2 && !a.startsWith('--'))) {
          const v = argv[i + 1];
          if (v === undefined) throw new UsageError(`${tool}: ${a} needs a value`);
          pre.push(v);
          i++;
        }
        i++;
        continue;
      }
      const next = find(cmd, a);
      if (!next) {
        const names = cmd.subcommands.map((c) => c.name);
        throw new UsageError(
          `${[...path, cmd.name].join(' ')}: no command "${a}"`,
          `commands are: ${names.join(', ')}; see \`${[...path, cmd.name].join(' ')} --help\``,
        );
      }
      path.push(cmd.name);
      cmd = next;
      i++;
    }
    const full = [...path, cmd.name].join(' ');
    const spec: FlagSpec = { ...globals, ...(cmd.flags ?? {}), ...HELP };
    const parsed = parseFlags([...pre, ...argv.slice(i)], spec, full);
    if (parsed.flags.help) {
      io.stdout(helpText(path.join(' '), cmd, globals));
      return EXIT.ok;
    }
    // The synopsis is the declaration: `PACKAGE...` needs one, `NAME URI` exactly two.
    const arity = positionalArity(cmd.synopsis);
    const n = parsed.positionals.length;
    if (arity && (n < arity.min || n > arity.max)) {
      throw new UsageError(
        `${full}: ${n < arity.min ? `${positionalSynopsis(cmd.synopsis ?? '')} needed` : `too many arguments (${n})`}`,
        `Usage: ${full} ${cmd.synopsis}`,
      );
    }
    const globalFlags: Record<string, string | true | string[]> = {};
    for (const k of Object.keys(globals)) {
      const v = parsed.flags[k];
      if (v !== undefined) globalFlags[k] = v;
    }
    return (await cmd.run!({ args: parsed, globals: globalFlags, io })) ?? EXIT.ok;
  } catch (err) {
    return renderError(err, io, { json, tool });
  }
}
