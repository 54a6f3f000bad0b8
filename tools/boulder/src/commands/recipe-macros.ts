import { type Command, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { listMacros, loadMacros } from '@serpent/recipe';
import { renderListing } from '../render-macros.js';

export const macrosCommand: Command = {
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
      const b = listing.breakpoints.find((x) => x.name === bare);
      if (b) {
        io.stdout(globals.json ? `${JSON.stringify(b, null, 2)}\n` : `%${b.name}: ${b.description}\n`);
        return 0;
      }
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
    io.stdout(renderListing(listing));
    return 0;
  },
};
