import type { Recipe } from './recipe.js';
import { RecipeError } from './recipe-error.js';

/**
 * The targets a recipe builds on `host`, in build order (32-bit first, sharing the install
 * root): `architectures` when given (`native`/host, `emul32`/`emul32/<host>`), else the host,
 * preceded by `emul32/<host>` when `emul32` is on.
 */
export function buildTargets(
  recipe: Pick<Recipe, 'architectures' | 'emul32' | 'file'>,
  host = 'x86_64',
): string[] {
  const emul = `emul32/${host}`;
  const list = recipe.architectures;
  const targets =
    list.length === 0
      ? [...(recipe.emul32 ? [emul] : []), host]
      : [
          ...(list.includes(emul) || list.includes('emul32') ? [emul] : []),
          ...(list.includes(host) || list.includes('native') ? [host] : []),
        ];
  if (targets.length === 0) {
    throw new RecipeError(
      'RECIPE_NO_TARGETS',
      `${recipe.file}: no build target for ${host} in architectures [${list.join(', ')}]`,
      {
        hint: `add native (or ${host}) to architectures`,
        details: { file: recipe.file, host, architectures: list },
      },
    );
  }
  return targets;
}
