import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandRecipe, loadMacros, loadRecipe, type MacroSet } from '../src/index.js';
import { recipeFile, recipesMissing } from './shared-fixtures.js';

// Expanded scripts of real recipes, two or more per build system, reviewed by hand when
// written; `UPDATE_GOLDEN=1 vitest run test/golden.test.ts` rewrites them after a deliberate
// change of the macro data (review the diff).
const GOLDEN = [
  'a/attr', // autotools + emul32 + %patch
  'f/file', // %reconfigure
  'c/cups', // autotools + %tmpfiles
  'a/assimp', // cmake
  'l/libtiff', // cmake + PGO workload
  'd/dconf', // meson
  'g/glib2', // meson + an emul32 profile
  'a/alacritty', // cargo
  'p/python-installer', // pyproject
  'c/cython', // setup.py
  'q/qt6-base', // %cmake_qt6
  'q/qt5-wayland', // %qmake_qt5
  'k/kf6-karchive', // %cmake_kf6
];
const DIR = fileURLToPath(new URL('./golden', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

let macros: MacroSet;
beforeAll(async () => {
  macros = await loadMacros();
});

describe.skipIf(recipesMissing !== undefined)('golden expansions', () => {
  for (const id of GOLDEN) {
    it(id, async () => {
      const { recipe } = await loadRecipe(recipeFile(id));
      const x = expandRecipe(recipe, macros, { jobs: 4, sourceDateEpoch: 1700000000 });
      let text = `# ${id}: build dependencies ${x.buildDependencies.join(' ')}\n`;
      for (const j of x.jobs) {
        for (const p of j.phases) text += `\n──── ${j.target} ${j.stage} ${p.name}\n${p.script}`;
      }
      const file = join(DIR, `${id.replace('/', '_')}.txt`);
      if (update || !existsSync(file)) {
        if (!update) throw new Error(`no golden file ${file}; run with UPDATE_GOLDEN=1`);
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});
