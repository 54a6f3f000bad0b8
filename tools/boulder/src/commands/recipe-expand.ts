import { dirname } from 'node:path';
import { sourceDateEpoch } from '@serpent/builder';
import { type Command, commandReport } from '@serpent/cli';
import { expandRecipe, loadMacros, loadRecipe } from '@serpent/recipe';

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
  async run(ctx) {
    const report = commandReport(ctx);
    const [{ recipe, warnings, path: file }, set] = await Promise.all([
      loadRecipe(ctx.args.positionals[0] ?? '.'),
      loadMacros(),
    ]);
    for (const w of warnings) report.warn(`${w.file}:${w.line}: ${w.message}`);
    const expanded = expandRecipe(recipe, set, {
      jobs: 1,
      sourceDateEpoch: await sourceDateEpoch(dirname(file)),
    });
    const { name, version, release } = recipe;
    // A string, not lines: the scripts are the recipe's own layout, line breaks and tabs kept.
    report.result({ recipe: { name, version, release, file }, warnings, ...expanded }, (x) =>
      [
        ...x.jobs.flatMap((job) =>
          job.phases.map(
            (p) =>
              `── ${job.target}${job.stage === 'none' ? '' : ` (PGO ${job.stage})`} ${p.name}\n${p.script.trimEnd()}\n\n`,
          ),
        ),
        `Build dependencies: ${x.buildDependencies.join(' ') || '(none)'}\n`,
        `Added by macros: ${x.actionDependencies.join(' ') || '(none)'}`,
      ].join(''),
    );
  },
};
