// Loading and expanding the 120 real recipes of ../shared/fixtures/recipes: how long the
// checks before a build cost. Reference in the same process: `yaml`'s parse alone (the floor
// for anything that reads the file). Run after `tsc -b`: node bench/recipe.bench.mjs
import { existsSync, globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { expandRecipe, loadMacros, parseRecipe, recipeSchema } from '../dist/index.js';

const dir = fileURLToPath(new URL('../../../../shared/fixtures/recipes', import.meta.url));
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} (../shared/fixtures/recipes) is absent`);
  process.exit(0);
}
const texts = globSync('*/*/stone.yaml', { cwd: dir }).map((f) => [f, readFileSync(join(dir, f), 'utf8')]);

function time(label, rounds, fn) {
  fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  const ms = (performance.now() - t0) / rounds;
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms per ${texts.length} recipes  (${((texts.length * 1000) / ms).toFixed(0)} recipes/s)`,
  );
  return ms;
}

let t0 = performance.now();
new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strictTypes: false }).compile(recipeSchema);
console.log(
  `schema compile (once per process)             ${(performance.now() - t0).toFixed(2).padStart(8)} ms`,
);
t0 = performance.now();
const macros = await loadMacros();
console.log(
  `macro data load (once per process)            ${(performance.now() - t0).toFixed(2).padStart(8)} ms`,
);

const rounds = 10;
// Each measured twice, interleaved, keeping the faster: the first rounds also pay for JIT warm-up.
const yamlRef = () =>
  time('yaml.parse only (reference)', rounds, () => {
    for (const [, t] of texts) parse(t);
  });
const ours = () =>
  time('parseRecipe (YAML + lines + ajv + defaults)', rounds, () => {
    for (const [f, t] of texts) parseRecipe(t, f);
  });
const y1 = yamlRef();
const p1 = ours();
const yamlOnly = Math.min(y1, yamlRef());
const parsed = Math.min(p1, ours());
const recipes = texts.map(([f, t]) => parseRecipe(t, f).recipe);
const expanded = time('expandRecipe (all targets, stages, phases)', rounds, () => {
  for (const r of recipes) expandRecipe(r, macros, { jobs: 4, sourceDateEpoch: 1 });
});
console.log(
  `parseRecipe / yaml.parse: ${(parsed / yamlOnly).toFixed(2)}x; expand / parse: ${(expanded / parsed).toFixed(2)}x`,
);
