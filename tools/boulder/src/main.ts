import { type CliOptions, type CommandIo, processIo, runCli } from '@serpent/cli';
import { COMMANDS } from './commands/index.js';
import { GLOBALS } from './globals.js';
import { versions } from './versions.js';

/**
 * The original's shortcuts for recipe verbs. Only the verb position is rewritten (after the
 * global options), never an argument: the original rewrote the first matching word anywhere,
 * so a recipe directory named `bump` broke `boulder build bump`.
 */
const SHORTCUTS: Record<string, string[]> = {
  bump: ['recipe', 'bump'],
  macros: ['recipe', 'macros'],
  new: ['recipe', 'new'],
  up: ['recipe', 'update'],
};

/**
 * The whole command line as data (the io aside): `main` runs it, and the bundler reads it to
 * record every command's help and flags without loading their code (scripts/bundle.mjs).
 */
export const CLI: Omit<CliOptions, 'io'> = {
  shortcuts: SHORTCUTS,
  root: {
    name: 'boulder',
    summary: 'build Serpent OS packages from stone.yaml recipes',
    description:
      'boulder validates a recipe, expands its phase scripts through the macro system, fetches and\n' +
      'verifies the upstreams, builds in an isolated namespace and emits .stone packages and\n' +
      'build manifests.',
    subcommands: COMMANDS,
    examples: [
      ['boulder build --host -o out ./stone.yaml', 'build a recipe against the host’s tools'],
      ['boulder recipe new -o nano https://www.nano-editor.org/dist/v8/nano-8.0.tar.xz', 'draft a recipe'],
      ['boulder chroot --host', 'a shell in the build root of ./stone.yaml'],
      ['boulder recipe expand stone.yaml', 'check a recipe and see its expanded scripts'],
      ['boulder recipe macros cmake', 'what %cmake expands to'],
      ['boulder recipe bump', 'release + 1, comments kept'],
      ['boulder help build', 'help for one command'],
    ],
  },
  globals: GLOBALS,
  version: versions().version,
};

/** Runs `boulder` with `argv` (without the program name); resolves the exit status. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  return runCli(argv, { ...CLI, io });
}
