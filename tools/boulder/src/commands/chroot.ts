import { openRecipeShell } from '@serpent/builder';
import type { Command } from '@serpent/cli';
import { dirsOf, PROFILE_FLAG, rootOf } from '../globals.js';
import { buildRenderer } from '../render-build.js';

export const chrootCommand: Command = {
  name: 'chroot',
  summary: 'Open a shell in a recipe’s build root, to debug a build by hand',
  synopsis: '[RECIPE=./stone.yaml]',
  description: [
    'A login bash in the build container of the recipe: its build root (set up first if',
    'missing; --host: this machine’s /usr), read-only as in a build (its /usr is hard links into',
    'the moss dir every build shares), with the last build’s /mason/build, /mason/install',
    'and sources (a failed build’s files are still there), in the work dir when a build has',
    'unpacked it. The build environment is set, every macro is a shell function (a_configure,',
    'a_make ...) or variable ($d_libdir ...). Exits with the shell’s status.',
  ].join('\n'),
  flags: {
    profile: PROFILE_FLAG,
    host: { description: 'The host’s /usr as the root (as build --host)' },
  },
  examples: [
    ['boulder chroot', 'a shell in the build root of ./stone.yaml'],
    ['boulder chroot --host recipes/nano', 'after `boulder build --host recipes/nano` failed'],
  ],
  async run(ctx) {
    const shell = await openRecipeShell({
      recipe: ctx.args.positionals[0] ?? '.',
      cacheDir: dirsOf(ctx.globals).cacheDir,
      root: await rootOf(ctx),
      onEvent: buildRenderer(ctx.io, false),
    });
    return shell.status ?? 128;
  },
};
