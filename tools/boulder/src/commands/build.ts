import { buildRecipe } from '@serpent/builder';
import { type Command, flagInt, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { dirsOf, PROFILE_FLAG, rootOf } from '../globals.js';
import { buildRenderer, timingTable } from '../render-build.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build a recipe into .stone packages and its manifests',
  synopsis: '[RECIPE=./stone.yaml]',
  description: [
    'Loads the recipe, expands every phase script (an unknown macro stops here, before any',
    'download), fetches and verifies the upstreams, runs the phases in a namespace (each PGO',
    'stage when the recipe has a workload; emul32 first when it builds 32-bit), then collects,',
    'analyses and emits one .stone per package plus manifest.<arch>.{bin,jsonc}.',
    '',
    'Without --host the phases run in a build root, <cache>/root/<name>, whose /usr is hard',
    'links into boulder’s moss dir (--moss-root): the packages are resolved against the',
    'profile’s repositories (-p, default default-x86_64), downloaded and unpacked there once for',
    'every build, and a root that already holds exactly them is kept as it is. An index is',
    'fetched when it never was, or with --update. The root is read-only inside the container.',
    'With --host the phases run against this machine’s /usr (read-only). A %break_continue or',
    '%break_exit in a phase opens a shell in the build container there (--no-breakpoints builds',
    'through).',
  ].join('\n'),
  flags: {
    output: {
      short: 'o',
      value: true,
      placeholder: 'DIR',
      description: 'Where the stones and manifests go (default .)',
    },
    profile: PROFILE_FLAG,
    host: { description: 'Build against the host’s /usr (bootstrap mode)' },
    update: { short: 'u', description: 'Fetch the profile’s repository indexes again first' },
    'build-release': {
      short: 'b',
      value: true,
      placeholder: 'N',
      description: 'Build release number (default 1)',
    },
    'compression-level': {
      value: true,
      placeholder: 'N',
      description: 'zstd level of the stones (default 18)',
    },
    'no-pgo': { description: 'Build once, without the PGO stages, even with a workload' },
    'no-breakpoints': { description: 'Run through %break_continue/%break_exit instead of opening a shell' },
    quiet: { short: 'q', description: 'Do not echo the phases’ output (it stays in the logs)' },
  },
  examples: [
    ['boulder build -p local -o out ./stone.yaml', 'build in a root installed from profile local'],
    ['boulder build --host -o out ./stone.yaml', 'build against the host’s tools into ./out'],
    ['boulder build --host -b 2 recipes/nano', 'a second build of the same source release'],
    ['boulder build -u -p local ./stone.yaml', 'refresh the profile’s indexes, then build'],
  ],
  async run(ctx) {
    const { args, globals, io } = ctx;
    const started = performance.now();
    const buildRelease = flagInt(args, 'build-release', 1, 'boulder build');
    if (buildRelease < 1) throw new UsageError('boulder build: --build-release must be 1 or more');
    const level = flagString(args, 'compression-level');
    const result = await buildRecipe({
      recipe: args.positionals[0] ?? '.',
      outputDir: flagString(args, 'output') ?? '.',
      cacheDir: dirsOf(globals).cacheDir,
      root: await rootOf(ctx),
      buildRelease,
      noPgo: args.flags['no-pgo'] === true,
      breakpoints: args.flags['no-breakpoints'] ? 'ignore' : 'shell',
      onEvent: buildRenderer(io, args.flags.quiet === true),
      ...(level === undefined ? {} : { level: flagInt(args, 'compression-level', 18, 'boulder build') }),
    });
    io.stdout(`wrote ${result.manifestBin}\nwrote ${result.manifestJsonc}\n`);
    io.stdout(
      timingTable(result.timings, { ...result.steps, root: result.rootMs }, performance.now() - started),
    );
    io.stdout(`Build finished successfully at ${new Date().toISOString()}\n`);
  },
};
