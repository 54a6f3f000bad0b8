import type { Command } from './command.js';

/**
 * A command as plain data, everything but its code: what a bundler records at build time so
 * that `--help`, the parser and dispatch work without loading any command's module (see
 * `lazyCommand`). `from` says where the code is: the loader key of the module exporting this
 * command or an ancestor, and the subcommand names leading from that export down to it.
 */
export interface CommandManifest extends Omit<Command, 'run' | 'subcommands'> {
  readonly subcommands?: readonly CommandManifest[];
  readonly runnable?: boolean;
  readonly from?: { readonly loader: string; readonly path: readonly string[] };
}

/** Loads the command a loader key names (e.g. by a dynamic `import()` of its module). */
export type CommandLoaders = Readonly<Record<string, () => Promise<Command>>>;

/**
 * The command tree of `manifest`, whose `run`s load their module on first use. A tool's start-up
 * then evaluates only the dispatcher and the one command it runs: evaluating every command's
 * module (and so the database, store, FFI and YAML code behind them) cost moss about 70 ms at
 * each start, more than Node's own start-up.
 */
export function lazyCommand(manifest: CommandManifest, loaders: CommandLoaders): Command {
  const { subcommands, runnable, from, ...data } = manifest;
  const cmd: Command = {
    ...data,
    ...(subcommands ? { subcommands: subcommands.map((c) => lazyCommand(c, loaders)) } : {}),
    ...(runnable
      ? {
          run: async (ctx) => {
            const real = await loadCommand(manifest, loaders);
            if (!real.run) throw new Error(`${manifest.name}: the loaded command cannot run`);
            return real.run(ctx);
          },
        }
      : {}),
  };
  return cmd;
}

async function loadCommand(manifest: CommandManifest, loaders: CommandLoaders): Promise<Command> {
  const load = manifest.from === undefined ? undefined : loaders[manifest.from.loader];
  if (!manifest.from || !load) throw new Error(`${manifest.name}: no module is recorded for this command`);
  let cmd = await load();
  for (const name of manifest.from.path) {
    const next = cmd.subcommands?.find((c) => c.name === name);
    if (!next) throw new Error(`${manifest.name}: ${cmd.name} has no subcommand ${name} any more`);
    cmd = next;
  }
  return cmd;
}
