import { bumpRecipeFile, updateRecipeFile } from '@serpent/builder';
import { type Command, commandReport, flagInt, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';

export const bumpCommand: Command = {
  name: 'bump',
  summary: 'Increase the recipe release by one (or set it), editing the file in place',
  synopsis: '[RECIPE=./stone.yaml]',
  flags: {
    recipe: {
      short: 'r',
      value: true,
      placeholder: 'PATH',
      description: 'The recipe (as the original’s -r)',
    },
    release: { short: 'n', value: true, placeholder: 'N', description: 'Set the release to N instead' },
  },
  examples: [
    ['boulder recipe bump', 'release + 1 in ./stone.yaml'],
    ['boulder recipe bump -n 7 recipes/nano', 'release: 7'],
  ],
  async run(ctx) {
    const { args } = ctx;
    const n =
      args.flags.release === undefined ? undefined : flagInt(args, 'release', 0, 'boulder recipe bump');
    // A stone.yaml or the directory holding it (the original wrote to a directory path).
    const r = await bumpRecipeFile(flagString(args, 'recipe') ?? args.positionals[0] ?? '.', n);
    commandReport(ctx).result(r, `${r.file}: release ${r.from} → ${r.to}`);
  },
};

export const updateCommand: Command = {
  name: 'update',
  summary: 'Move a recipe to a new version: version, upstream URLs and hashes, release + 1',
  synopsis: '--version V --upstream URL|REF [...] [RECIPE=./stone.yaml]',
  description:
    'Each --upstream replaces the recipe upstream at the same position: a URL for a plain one\n' +
    '(downloaded once to compute its SHA-256, not kept), a ref for a git one. Comments and\n' +
    'layout of the file are kept; only the changed values are rewritten.',
  flags: {
    version: { value: true, placeholder: 'V', description: 'The new version' },
    upstream: {
      short: 'u',
      value: true,
      multiple: true,
      placeholder: 'URL|REF',
      description: 'A new upstream, in order',
    },
    'no-bump': { description: 'Keep the release as it is' },
    'dry-run': { description: 'Print the new recipe instead of writing it' },
  },
  examples: [
    [
      'boulder recipe update --version 8.1 -u https://www.nano-editor.org/dist/v8/nano-8.1.tar.xz',
      'nano 8.0 → 8.1',
    ],
  ],
  async run(ctx) {
    const { args } = ctx;
    const version = flagString(args, 'version');
    const upstreams = (args.flags.upstream as string[] | undefined) ?? [];
    if (!version)
      throw new UsageError('recipe update needs --version', 'boulder recipe update --version 1.2 -u URL');
    if (upstreams.length === 0) throw new UsageError('recipe update needs at least one --upstream');
    const report = commandReport(ctx);
    const dryRun = args.flags['dry-run'] === true;
    const r = await updateRecipeFile(args.positionals[0] ?? '.', {
      version,
      upstreams,
      bump: args.flags['no-bump'] !== true,
      write: !dryRun,
      onHashing: (uri) => report.note(`hashing ${uri}`),
    });
    report.result(r, dryRun ? r.text : `${r.file}: ${r.name} ${r.from} → ${version}`);
  },
};
