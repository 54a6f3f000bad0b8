import { type Command, commandReport, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { findMacro, listMacros, loadMacros } from '@serpent/recipe';
import { listingText, macroText } from '../render-macros.js';

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
  async run(ctx) {
    const { args } = ctx;
    const toolchain = flagString(args, 'toolchain') ?? 'llvm';
    if (toolchain !== 'llvm' && toolchain !== 'gnu')
      throw new UsageError(`--toolchain ${toolchain}: use llvm or gnu`);
    const listing = listMacros(await loadMacros(), flagString(args, 'target') ?? 'x86_64', toolchain);
    const [name] = args.positionals;
    const found = name === undefined ? undefined : findMacro(listing, name);
    if (name !== undefined && !found)
      throw new UsageError(`no macro named ${name}`, 'run `boulder recipe macros` for the list');
    const report = commandReport(ctx);
    if (found) report.result(found.breakpoint ?? found.action ?? found.definition, macroText(found));
    else report.result(listing, listingText);
  },
};
