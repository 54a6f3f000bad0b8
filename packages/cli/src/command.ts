import type { CommandIo } from './command-io.js';
import type { FlagSpec, ParsedArgs } from './parse-flags.js';

/** What a command's run receives: its parsed arguments, the global flags and where to write. */
export interface CommandContext {
  readonly args: ParsedArgs;
  readonly globals: ParsedArgs['flags'];
  readonly io: CommandIo;
}

/**
 * A command is data plus a short run: its help (with runnable examples) is declared next to
 * the flags so `--help`, the parser and the docs can never drift apart. A command with
 * `subcommands` only dispatches (`moss state list`).
 */
export interface Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  /**
   * Positional synopsis, e.g. `FILE... [-o DIR]`. When it is only placeholders (`NAME`, `FILE...`,
   * `[NAME]`), it is also the check: too few or too many arguments are a UsageError.
   */
  readonly synopsis?: string;
  readonly description?: string;
  readonly examples?: ReadonlyArray<readonly [command: string, what: string]>;
  readonly flags?: FlagSpec;
  readonly subcommands?: readonly Command[];
  /** Resolves the exit status; nothing (a command that simply finishes) is 0. */
  // biome-ignore lint/suspicious/noConfusingVoidType: an async function that returns nothing is Promise<void>, and is meant to fit
  readonly run?: (ctx: CommandContext) => Promise<number | void>;
}
