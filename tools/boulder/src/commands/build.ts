import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type BuildEvent,
  type BuildRoot,
  findProfile,
  loadProfiles,
  type PhaseTiming,
  runBuild,
} from '@serpent/builder';
import { type Command, type CommandIo, flagInt, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { boulderDirs } from './boulder-dirs.js';
import { installBuildRoot } from './build-root.js';
import { missingOnHost } from './host-check.js';
import { planFromRecipe } from './recipe-plan.js';

const LETTER: Record<string, string> = {
  prepare: 'P',
  setup: 'S',
  build: 'B',
  install: 'I',
  check: 'C',
  workload: 'W',
};

function renderer(io: CommandIo, quiet: boolean) {
  const partial = new Map<string, string>();
  return (e: BuildEvent) => {
    switch (e.type) {
      case 'upstream-fetching':
        io.stdout(`fetching ${e.uri}\n`);
        break;
      case 'upstream-cached':
        io.stdout(`cached   ${e.uri}\n`);
        break;
      case 'phase-start':
        io.stdout(`── ${e.phase} (${e.target})\n`);
        break;
      case 'phase-output': {
        if (quiet) break;
        const key = `${e.target}/${e.phase}`;
        const text = (partial.get(key) ?? '') + e.chunk;
        const lines = text.split('\n');
        partial.set(key, lines.pop() ?? '');
        for (const l of lines) io.stdout(`│${LETTER[e.phase] ?? '?'}│ ${l}\n`);
        break;
      }
      case 'warning':
        io.stderr(`warning: ${e.message}\n${e.paths.map((p) => `  ${p}\n`).join('')}`);
        break;
      case 'package':
        io.stdout(`emitted ${e.path} (${e.files} paths)\n`);
        break;
    }
  };
}

function timingTable(timings: readonly PhaseTiming[], steps: Record<string, number>, total: number): string {
  const rows: Array<[string, number]> = [
    ['fetch', steps.fetch ?? 0],
    ...timings.map((t): [string, number] => [`${t.target} ${t.phase}`, t.ms]),
    ['collect', steps.collect ?? 0],
    ['analyze', steps.analyze ?? 0],
    ['emit', steps.emit ?? 0],
    ['total', total],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows
    .map(
      ([k, ms]) =>
        `  ${k.padEnd(w)}  ${(ms / 1000).toFixed(2).padStart(8)} s  ${((100 * ms) / total).toFixed(1).padStart(5)} %\n`,
    )
    .join('');
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build a recipe into .stone packages and its manifests',
  synopsis: '[RECIPE=./stone.yaml]',
  description: [
    'Loads the recipe, expands every phase script (an unknown macro stops here, before any',
    'download), fetches and verifies the upstreams, runs the phases in a namespace, then',
    'collects, analyses and emits one .stone per package plus manifest.<arch>.{bin,jsonc}.',
    '',
    'Without --host the phases run in a build root that moss’s engine installs afresh into',
    '<cache>/root/<name> from the profile’s repositories (-p, default default-x86_64): the',
    'recipe’s build dependencies and what its macros need. With --host they run against this',
    'machine’s /usr (read-only), where those must already be installed.',
  ].join('\n'),
  flags: {
    output: {
      short: 'o',
      value: true,
      placeholder: 'DIR',
      description: 'Where the stones and manifests go (default .)',
    },
    profile: {
      short: 'p',
      value: true,
      placeholder: 'ID',
      description: 'Build profile (default default-x86_64)',
    },
    host: { description: 'Build against the host’s /usr (bootstrap mode)' },
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
    quiet: { short: 'q', description: 'Do not echo the phases’ output (it stays in the logs)' },
  },
  examples: [
    ['boulder build -p local -o out ./stone.yaml', 'build in a root installed from profile local'],
    ['boulder build --host -o out ./stone.yaml', 'build against the host’s tools into ./out'],
    ['boulder build --host -b 2 recipes/nano', 'a second build of the same source release'],
  ],
  async run({ args, globals, io }) {
    const started = performance.now();
    let recipe = resolve(args.positionals[0] ?? 'stone.yaml');
    if (existsSync(recipe) && statSync(recipe).isDirectory()) recipe = join(recipe, 'stone.yaml');
    const outputDir = resolve(flagString(args, 'output') ?? '.');
    const dirs = boulderDirs(globals);
    const buildRelease = flagInt(args, 'build-release', 1, 'boulder build');
    if (buildRelease < 1) throw new UsageError('boulder build: --build-release must be 1 or more');
    const plan = await planFromRecipe(recipe, {
      architecture: 'x86_64',
      buildRelease,
      onWarning: (w) => io.stderr(`warning: ${w.file}:${w.line}: ${w.message}\n`),
    });
    let root: BuildRoot = 'host';
    if (args.flags.host) {
      const missing = missingOnHost(plan.rootDependencies);
      if (missing.length > 0) {
        io.stderr(`warning: not found on this host, the build will probably fail: ${missing.join(' ')}\n`);
      }
    } else {
      const profile = findProfile(
        await loadProfiles(dirs.configDirs),
        flagString(args, 'profile') ?? 'default-x86_64',
      );
      const path = join(dirs.cacheDir, 'root', plan.name);
      await installBuildRoot(path, profile, [...new Set([...plan.buildDeps, ...plan.rootDependencies])], io);
      root = { path };
    }
    const level = flagString(args, 'compression-level');
    const result = await runBuild(plan, {
      recipeDir: dirname(recipe),
      outputDir,
      cacheDir: dirs.cacheDir,
      root,
      onEvent: renderer(io, args.flags.quiet === true),
      ...(level === undefined ? {} : { level: flagInt(args, 'compression-level', 18, 'boulder build') }),
    });
    io.stdout(`wrote ${result.manifestBin}\nwrote ${result.manifestJsonc}\n`);
    io.stdout(timingTable(result.timings, result.steps, performance.now() - started));
    io.stdout(`Build finished successfully at ${new Date().toISOString()}\n`);
    return 0;
  },
};
