import { draftRecipe } from '@serpent/builder';
import { type Command, commandReport, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';

export const newCommand: Command = {
  name: 'new',
  summary: 'Draft a recipe from upstream URLs: stone.yaml and monitoring.yaml',
  synopsis: '[-o DIR] URL...',
  description: [
    'Downloads each URL (http, https or file), records its SHA-256, unpacks it and recognises',
    'the build system (autotools, cmake, meson, cargo, python PEP 517 or setup.py, perl, plain',
    'make) and what it needs (pkg-config checks, CMake find_package, Meson dependency() and',
    'find_program(), a pyproject’s build requirements). Writes DIR/stone.yaml with the hashes,',
    'the macros and the build dependencies, and DIR/monitoring.yaml (release-monitoring.org id',
    'and CPE names, looked up unless --no-lookup). Existing files are kept unless --force.',
  ].join('\n'),
  flags: {
    output: { short: 'o', value: true, placeholder: 'DIR', description: 'Where the recipe goes (default .)' },
    toolchain: {
      value: true,
      placeholder: 'NAME',
      description: 'Write `toolchain: gnu` (default: boulder’s, llvm)',
    },
    'no-lookup': { description: 'Do not ask release-monitoring.org and the CPE guesser' },
    force: { short: 'f', description: 'Replace an existing stone.yaml / monitoring.yaml' },
  },
  examples: [
    [
      'boulder recipe new -o nano https://www.nano-editor.org/dist/v8/nano-8.0.tar.xz',
      'draft nano into ./nano',
    ],
    ['boulder new https://github.com/BurntSushi/ripgrep/archive/refs/tags/14.1.0.tar.gz', 'a cargo project'],
    ['boulder recipe new --no-lookup --toolchain gnu file:///src/hello-1.0.tar.gz', 'offline, GNU toolchain'],
  ],
  async run(ctx) {
    const { args } = ctx;
    if (args.positionals.length === 0)
      throw new UsageError('recipe new needs at least one URL', 'boulder recipe new -o DIR URL...');
    const toolchain = flagString(args, 'toolchain');
    if (toolchain !== undefined && toolchain !== 'gnu' && toolchain !== 'llvm')
      throw new UsageError(`--toolchain ${toolchain}: use gnu or llvm`);
    const dir = flagString(args, 'output') ?? '.';
    const report = commandReport(ctx);
    const { recipe, monitoring } = await draftRecipe(args.positionals, {
      outputDir: dir,
      lookup: args.flags['no-lookup'] !== true,
      force: args.flags.force === true,
      ...(toolchain ? { toolchain } : {}),
      onEvent: (e) => {
        if (e.type === 'draft-downloading') report.note(`fetching ${e.url}`);
        if (e.type === 'draft-warning') report.warn(e.message);
      },
    });
    for (const p of monitoring.problems) report.note(`note: ${p}`);
    report.result({ dir, recipe, monitoring }, [
      `drafted ${dir}/stone.yaml: ${recipe.name} ${recipe.version}, ${recipe.system}, ${recipe.builddeps.length} build dependencies`,
      `wrote ${dir}/monitoring.yaml${monitoring.id === undefined ? '' : ` (release-monitoring id ${monitoring.id})`}`,
      `next: fill in what says UPDATE, then \`boulder build ${dir}\``,
    ]);
  },
};
