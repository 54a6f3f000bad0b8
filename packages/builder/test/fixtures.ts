import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository: the real recipes and what the real boulder emitted. */
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const RECIPES = join(SHARED, 'fixtures', 'recipes');
export const haveRecipes = existsSync(RECIPES);
if (!haveRecipes) console.warn(`skipping fixture tests: ${RECIPES} is absent (../shared beside the repo)`);

/** Every recipe dir that has a stone.yaml and both manifests. */
export function recipeDirs(): string[] {
  if (!haveRecipes) return [];
  return readdirSync(RECIPES)
    .flatMap((l) => readdirSync(join(RECIPES, l)).map((n) => join(RECIPES, l, n)))
    .filter((d) => existsSync(join(d, 'manifest.x86_64.jsonc')) && existsSync(join(d, 'manifest.x86_64.bin')))
    .sort();
}
