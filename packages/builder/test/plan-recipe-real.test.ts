import { existsSync, globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planFromRecipe } from '../src/index.ts';

const RECIPES = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '..',
  'shared',
  'fixtures',
  'recipes',
);
const missing = existsSync(RECIPES) ? undefined : `../shared/fixtures/recipes is absent (${RECIPES})`;
if (missing) console.warn(`skipping the real-recipe plan test: ${missing}`);

describe.skipIf(missing !== undefined)('planFromRecipe on the 120 real recipes', () => {
  it('plans every recipe, and every package the real boulder emitted is in the plan', async () => {
    const problems: string[] = [];
    const ids = globSync('*/*', { cwd: RECIPES }).sort();
    expect(ids).toHaveLength(120);
    for (const id of ids) {
      try {
        const plan = await planFromRecipe(join(RECIPES, id, 'stone.yaml'), {
          architecture: 'x86_64',
          buildRelease: 1,
          jobs: 2,
        });
        const jsonc = readFileSync(join(RECIPES, id, 'manifest.x86_64.jsonc'), 'utf8');
        const manifest = JSON.parse(jsonc.slice(jsonc.indexOf('\n'))) as {
          packages: Record<string, { 'build-depends'?: string[] }>;
          'source-version': string;
        };
        const names = new Set(plan.packages.map((p) => p.name));
        for (const name of Object.keys(manifest.packages))
          if (!names.has(name)) problems.push(`${id}: no package ${name}`);
        if (plan.version !== manifest['source-version'])
          problems.push(`${id}: version ${plan.version} ≠ ${manifest['source-version']}`);
        const recorded = Object.values(manifest.packages)[0]?.['build-depends'] ?? [];
        const planned = [...new Set(plan.buildDeps)].sort();
        if (recorded.length > 0 && JSON.stringify([...recorded].sort()) !== JSON.stringify(planned)) {
          problems.push(`${id}: build-depends ${planned.join(' ')} ≠ ${recorded.join(' ')}`);
        }
        if (plan.targets.length === 0 || plan.targets.some((t) => t.phases.length === 0))
          problems.push(`${id}: no phases`);
      } catch (e) {
        problems.push(`${id}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
