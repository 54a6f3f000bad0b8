import { existsSync, globSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The 120 real recipes in ../shared/fixtures/recipes (outside the repository). */
export const RECIPES_DIR = join(repoRoot, '..', 'shared', 'fixtures', 'recipes');
export const recipesMissing = existsSync(RECIPES_DIR)
  ? undefined
  : `../shared/fixtures/recipes is absent (${RECIPES_DIR}): the real-recipe tests are skipped`;
if (recipesMissing) console.warn(recipesMissing);

/** `n/nano` → the recipe file. */
export const recipeFile = (id: string) => join(RECIPES_DIR, id, 'stone.yaml');

export function allRecipes(): string[] {
  return recipesMissing
    ? []
    : globSync('*/*/stone.yaml', { cwd: RECIPES_DIR })
        .map((f) => f.slice(0, -'/stone.yaml'.length))
        .sort();
}
