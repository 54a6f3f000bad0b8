import { type CliOptions, type CommandIo, processIo, runCli } from '@serpent/cli';
import { COMMANDS } from './commands/index.js';
import { GLOBALS } from './globals.js';
import { versions } from './versions.js';

/** The original's two-letter shortcuts that stand for two words (`moss li` = `moss list installed`). */
const SHORTCUTS: Record<string, string[]> = {
  li: ['list', 'installed'],
  la: ['list', 'available'],
  lu: ['list', 'sync'],
  ar: ['repo', 'add'],
  lr: ['repo', 'list'],
  rr: ['repo', 'remove'],
  ur: ['repo', 'update'],
  er: ['repo', 'enable'],
  dr: ['repo', 'disable'],
};

/**
 * The whole command line as data (the io aside): `main` runs it, and the bundler reads it to
 * record every command's help and flags without loading their code (scripts/bundle.mjs).
 */
export const CLI: Omit<CliOptions, 'io'> = {
  shortcuts: SHORTCUTS,
  root: {
    name: 'moss',
    summary: 'the Serpent OS system state manager',
    description:
      'moss installs packages into a content-addressed store and builds a fresh /usr for every\n' +
      'transaction, swapped in atomically; every earlier state stays available for rollback.',
    subcommands: COMMANDS,
    examples: [
      ['moss -D /tmp/root install ./hello-2.0-3-1-x86_64.stone -y', 'install a local stone into a new root'],
      ['moss repo add volatile https://example.org/x86_64/stone.index', 'add a repository'],
      ['moss install nano', 'install by name, with dependencies'],
      ['moss state list', 'the states, newest first'],
      ['moss state activate 3', 'roll back to state 3'],
      ['moss help state prune', 'help for one command'],
    ],
  },
  globals: GLOBALS,
  version: versions().version,
};

/** Runs `moss` with `argv` (without the program name); resolves the exit status. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  return runCli(argv, { ...CLI, io });
}
