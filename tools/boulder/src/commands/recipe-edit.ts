import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { downloadFile } from '@serpent/builder';
import { type Command, flagInt, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { bumpRelease, loadRecipe, type UpstreamUpdate, updateRecipe } from '@serpent/recipe';

/** A recipe argument: a stone.yaml or the directory holding it (unlike the original, which wrote to a directory path). */
export async function recipeFile(arg: string | undefined): Promise<string> {
  const p = resolve(arg ?? 'stone.yaml');
  return (await stat(p).catch(() => undefined))?.isDirectory() ? join(p, 'stone.yaml') : p;
}

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
  async run({ args, io }) {
    const file = await recipeFile(flagString(args, 'recipe') ?? args.positionals[0]);
    const text = await readFile(file, 'utf8');
    const n =
      args.flags.release === undefined ? undefined : flagInt(args, 'release', 0, 'boulder recipe bump');
    const out = bumpRelease(text, n, file);
    await writeFile(file, out);
    const release = (t: string) => /^release\s*:\s*(\S+)/m.exec(t)?.[1];
    io.stdout(`${file}: release ${release(text)} → ${release(out)}\n`);
    return 0;
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
  async run({ args, io }) {
    const version = flagString(args, 'version');
    const ups = (args.flags.upstream as string[] | undefined) ?? [];
    if (!version)
      throw new UsageError('recipe update needs --version', 'boulder recipe update --version 1.2 -u URL');
    if (ups.length === 0) throw new UsageError('recipe update needs at least one --upstream');
    const file = await recipeFile(args.positionals[0]);
    const text = await readFile(file, 'utf8');
    const { recipe } = await loadRecipe(file);
    const upstreams: UpstreamUpdate[] = [];
    for (const [i, u] of ups.entries()) {
      if (recipe.upstreams[i]?.kind === 'git') upstreams.push({ ref: u });
      else {
        io.stderr(`hashing ${u}\n`);
        upstreams.push({ uri: u, hash: (await downloadFile(u)).sha256 });
      }
    }
    const out = updateRecipe(text, { version, upstreams, bump: args.flags['no-bump'] !== true }, file);
    if (args.flags['dry-run']) io.stdout(out);
    else {
      await writeFile(file, out);
      io.stdout(`${file}: ${recipe.name} ${recipe.version} → ${version}\n`);
    }
    return 0;
  },
};
