import { resolve } from 'node:path';
import { sourceDateEpoch } from '@serpent/builder';
import type { Command } from '@serpent/cli';
import { expandRecipe, loadMacros, loadRecipe } from '@serpent/recipe';
import { recipeFile } from './recipe-edit.js';

export const expandCommand: Command = {
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
