import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Command, flagInt, flagString, formatTable } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { hashUrl } from '@serpent/fetch';
import {
  bumpRelease,
  expandRecipe,
  listMacros,
  loadMacros,
  loadRecipe,
  type UpstreamUpdate,
  updateRecipe,
} from '@serpent/recipe';
import { sourceDateEpoch } from './recipe-plan.js';

/** A recipe argument: a stone.yaml or the directory holding it (unlike the original, which wrote to a directory path). */
async function recipeFile(arg: string | undefined): Promise<string> {
  const p = resolve(arg ?? 'stone.yaml');
  return (await stat(p).catch(() => undefined))?.isDirectory() ? join(p, 'stone.yaml') : p;
}

const macros: Command = {
  name: 'macros',
  summary: 'List the macros recipes can use, with their expansions',
  synopsis: '[NAME]',
  flags: {
    target: {
      value: true,
      placeholder: 'TARGET',
      description: 'Build target: x86_64 (default) or emul32/x86_64',
    },
    toolchain: {
      value: true,
      placeholder: 'NAME',
      description: 'llvm (default) or gnu: which flags and compilers',
    },
  },
  examples: [
    ['boulder recipe macros', 'every %action and %(definition)'],
    ['boulder recipe macros configure', 'what %configure does and expands to'],
    ['boulder recipe macros --json --toolchain gnu', 'everything, with the GNU flags, as JSON'],
  ],
  async run({ args, globals, io }) {
    const toolchain = flagString(args, 'toolchain') ?? 'llvm';
    if (toolchain !== 'llvm' && toolchain !== 'gnu')
      throw new UsageError(`--toolchain ${toolchain}: use llvm or gnu`);
    const listing = listMacros(await loadMacros(), flagString(args, 'target') ?? 'x86_64', toolchain);
    const [name] = args.positionals;
    if (name) {
      const bare = name.replace(/^%\(?|\)$/g, '');
      const a = listing.actions.find((x) => x.name === bare);
      const d = listing.definitions.find((x) => x.name === bare);
      if (!a && !d)
        throw new UsageError(`no macro named ${name}`, 'run `boulder recipe macros` for the list');
      if (globals.json) {
        io.stdout(`${JSON.stringify(a ?? d, null, 2)}\n`);
        return 0;
      }
      if (a) {
        io.stdout(`%${a.name} (${a.file}.yaml): ${a.description}\n`);
        if (a.example) io.stdout(`\nExample:\n  ${a.example}\n`);
        if (a.dependencies.length) io.stdout(`\nBuild dependencies: ${a.dependencies.join(', ')}\n`);
        io.stdout(`\nCommand:\n${a.command.trimEnd()}\n\nExpands to:\n${a.expansion}\n`);
      }
      if (d)
        io.stdout(`${a ? '\n' : ''}%(${d.name}) (${d.file}): ${d.value.trimEnd()}\n  = ${d.expansion}\n`);
      return 0;
    }
    if (globals.json) {
      io.stdout(`${JSON.stringify(listing, null, 2)}\n`);
      return 0;
    }
    io.stdout(`Actions (${listing.actions.length}):\n`);
    io.stdout(
      formatTable(
        listing.actions.map((a) => [`%${a.name}`, a.description]),
        '  ',
      ),
    );
    io.stdout(
      `\nDefinitions (${listing.definitions.length}, for ${listing.target} with ${listing.toolchain}):\n`,
    );
    io.stdout(formatTable(listing.definitions.map((d) => [`%(${d.name})`, d.expansion.split('\n')[0]!])));
    io.stdout(`\nTuning groups (${listing.tuning.length}; * = on by default):\n`);
    io.stdout(
      formatTable(
        listing.tuning.map((t) => [
          `${t.isDefault ? '*' : ' '} ${t.group}`,
          t.options.length ? `${t.options.join(', ')}${t.default ? ` (default ${t.default})` : ''}` : '',
        ]),
      ),
    );
    return 0;
  },
};

const expand: Command = {
  name: 'expand',
  summary: 'Validate a recipe and print every phase script, fully expanded',
  synopsis: '[RECIPE=./stone.yaml]',
  description:
    'Exit status 0 when the recipe is valid and every macro is known; otherwise the error names\n' +
    'the file, line and what was expected. Nothing is fetched or built.',
  examples: [
    ['boulder recipe expand', 'the scripts of ./stone.yaml'],
    ['boulder recipe expand --json recipes/nano', 'scripts, flags and build dependencies as JSON'],
  ],
  async run({ args, globals, io }) {
    const file = await recipeFile(args.positionals[0]);
    const [{ recipe, warnings }, set] = await Promise.all([loadRecipe(file), loadMacros()]);
    const expanded = expandRecipe(recipe, set, {
      jobs: 1,
      sourceDateEpoch: await sourceDateEpoch(resolve(file, '..')),
    });
    if (globals.json) {
      io.stdout(
        `${JSON.stringify(
          {
            recipe: { name: recipe.name, version: recipe.version, release: recipe.release, file },
            warnings,
            ...expanded,
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    for (const w of warnings) io.stderr(`warning: ${w.file}:${w.line}: ${w.message}\n`);
    for (const job of expanded.jobs) {
      for (const p of job.phases) {
        io.stdout(
          `── ${job.target}${job.stage === 'none' ? '' : ` (PGO ${job.stage})`} ${p.name}\n${p.script.trimEnd()}\n\n`,
        );
      }
    }
    io.stdout(`Build dependencies: ${expanded.buildDependencies.join(' ') || '(none)'}\n`);
    io.stdout(`Added by macros: ${expanded.actionDependencies.join(' ') || '(none)'}\n`);
    return 0;
  },
};

const bump: Command = {
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

const update: Command = {
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
        upstreams.push({ uri: u, hash: (await hashUrl(u)).sha256 });
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

export const recipeCommand: Command = {
  name: 'recipe',
  summary: 'Inspect and edit stone.yaml recipes: macros, expand, bump, update',
  subcommands: [macros, expand, bump, update],
};
