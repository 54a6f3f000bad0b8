import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ParsedRecipe, parseRecipe } from './parse-recipe.js';
import { RecipeError } from './recipe-error.js';

/** A recipe's text: `path` is a `stone.yaml`, or a directory holding one. */
export async function readRecipeText(
  path: string,
): Promise<{ readonly file: string; readonly text: string }> {
  let file = resolve(path);
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'stone.yaml');
    return { file, text: await readFile(file, 'utf8') };
  } catch (cause) {
    throw new RecipeError('RECIPE_READ_FAILED', `cannot read recipe ${file}`, {
      hint: 'pass the path of a stone.yaml, or of the directory that holds it',
      details: { file },
      cause,
    });
  }
}

/** Reads and parses a recipe: a `stone.yaml` path, or a directory holding one. */
export async function loadRecipe(path: string): Promise<ParsedRecipe & { readonly path: string }> {
  const { file, text } = await readRecipeText(path);
  return { ...parseRecipe(text, file), path: file };
}
