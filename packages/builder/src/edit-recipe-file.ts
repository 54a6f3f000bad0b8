import { writeFileAtomic } from '@serpent/durable';
import {
  bumpRelease,
  loadRecipe,
  readRecipeText,
  recipeRelease,
  type UpstreamUpdate,
  updateRecipe,
} from '@serpent/recipe';
import { downloadFile } from './download-file.js';

/**
 * `boulder recipe bump`: the recipe's release one up (or `release`), rewritten in place and
 * crash-safely (a temporary name, fsync, rename: a crash never leaves half a recipe); only
 * the value's characters change, comments and layout stay. `path`: a stone.yaml or its dir.
 */
export async function bumpRecipeFile(
  path: string,
  release?: number,
): Promise<{ readonly file: string; readonly from: number; readonly to: number }> {
  const { file, text } = await readRecipeText(path);
  const from = recipeRelease(text, file);
  await writeFileAtomic(file, bumpRelease(text, release, file));
  return { file, from, to: release ?? from + 1 };
}

export interface RecipeUpdate {
  readonly version: string;
  /**
   * The new upstreams, by position: a URL for a plain upstream (downloaded once for its
   * SHA-256, not kept), a ref for a git one.
   */
  readonly upstreams: readonly string[];
  /** Bump the release too (default true). */
  readonly bump?: boolean;
  /** Write the file (default true); false only computes the new text (`--dry-run`). */
  readonly write?: boolean;
  /** Before each download for a hash. */
  readonly onHashing?: (uri: string) => void;
}

/**
 * `boulder recipe update`: the recipe moved to a new version, its upstream URLs and hashes (or
 * git refs) and release, edited in place as {@link bumpRecipeFile} does.
 */
export async function updateRecipeFile(
  path: string,
  update: RecipeUpdate,
): Promise<{ readonly file: string; readonly name: string; readonly from: string; readonly text: string }> {
  const { recipe, path: file } = await loadRecipe(path);
  const { text } = await readRecipeText(file);
  const upstreams: UpstreamUpdate[] = [];
  for (const [i, u] of update.upstreams.entries()) {
    if (recipe.upstreams[i]?.kind === 'git') upstreams.push({ ref: u });
    else {
      update.onHashing?.(u);
      upstreams.push({ uri: u, hash: (await downloadFile(u)).sha256 });
    }
  }
  const out = updateRecipe(text, { version: update.version, upstreams, bump: update.bump !== false }, file);
  if (update.write !== false) await writeFileAtomic(file, out);
  return { file, name: recipe.name, from: recipe.version, text: out };
}
