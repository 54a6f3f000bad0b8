import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository, where the real fixtures live (never copied into the repo). */
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const HAVE_SHARED = existsSync(join(SHARED, 'fixtures'));
export const SKIP_REASON = 'the ../shared folder with the real fixtures is not beside this checkout';

export const STONE_FIXTURES = join(SHARED, 'fixtures', 'stone');

/** Every stone fixture that has an `.expected.json` beside it. */
export function stoneFixtures(): { file: string; expected: string }[] {
  if (!HAVE_SHARED) return [];
  const out: { file: string; expected: string }[] = [];
  for (const dir of [STONE_FIXTURES, join(STONE_FIXTURES, 'synthetic')]) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.expected.json')) continue;
      const base = name.replace(/\.stone$/, '');
      const expected = [join(dir, `${base}.expected.json`), join(dir, `${name}.expected.json`)].find(
        existsSync,
      );
      if (expected !== undefined) out.push({ file: join(dir, name), expected });
    }
  }
  return out;
}

/** Every `manifest.x86_64.bin` + `.jsonc` pair under the real recipes. */
export function recipeManifests(): { bin: string; jsonc: string; name: string }[] {
  if (!HAVE_SHARED) return [];
  const root = join(SHARED, 'fixtures', 'recipes');
  const out: { bin: string; jsonc: string; name: string }[] = [];
  for (const letter of readdirSync(root)) {
    for (const name of readdirSync(join(root, letter))) {
      const bin = join(root, letter, name, 'manifest.x86_64.bin');
      const jsonc = join(root, letter, name, 'manifest.x86_64.jsonc');
      if (existsSync(bin) && existsSync(jsonc)) out.push({ bin, jsonc, name });
    }
  }
  return out;
}
