import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ParsedRecipe, parseRecipe } from './parse-recipe.js';
import { RecipeError } from './recipe-error.js';

/** Reads and parses a recipe: a `stone.yaml` path, or a directory holding one. */
export async function loadRecipe(path: string): Promise<ParsedRecipe & { readonly path: string }> {
  let file = resolve(path);
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'stone.yaml');
    return { ...parseRecipe(await readFile(file, 'utf8'), file), path: file };
  } catch (cause) {
    if (cause instanceof RecipeError) throw cause;
    throw new RecipeError('RECIPE_READ_FAILED', `cannot read recipe ${file}`, {
      hint: 'pass the path of a stone.yaml, or of the directory that holds it',
      details: { file },
      cause,
    });
  }
}
