import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bumpRelease,
  parseRecipe,
  RecipeError,
  readRecipeText,
  recipeRelease,
  updateRecipe,
} from '../src/index.js';

const text = `# SPDX-License-Identifier: MPL-2.0
name        : nano
version     : 8.0 # the last release
release     : 41
homepage    : https://www.nano-editor.org
upstreams   :
    # The release tarball
    - https://www.nano-editor.org/dist/v8/nano-8.0.tar.xz : c17f43fc0e37336b33ee50a209c701d5beb808adc2d9f089ca831b40539c9ac4
    - git|https://github.com/example/extras.git :
        ref     : v1.0   # pinned
        clonedir: extras
license     : GPL-3.0-or-later
`;

const diff = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y.length).toBe(x.length);
  return x.flatMap((l, i) => (l === y[i] ? [] : [[l, y[i]]]));
};

describe('bumpRelease', () => {
  it('changes only the release characters', () => {
    const out = bumpRelease(text);
    expect(diff(text, out)).toEqual([['release     : 41', 'release     : 42']]);
    expect(diff(text, bumpRelease(text, 7))).toEqual([['release     : 41', 'release     : 7']]);
  });

  it('fails clearly without a release', () => {
    expect(() => bumpRelease('name: x\n', undefined, 'x.yaml')).toThrow(RecipeError);
  });
});

describe('updateRecipe', () => {
  it('rewrites version, URL, hash and git ref, keeping comments and alignment', () => {
    const out = updateRecipe(text, {
      version: '8.1',
      upstreams: [
        { uri: 'https://www.nano-editor.org/dist/v8/nano-8.1.tar.xz', hash: 'ab'.repeat(32) },
        { ref: 'v1.1' },
      ],
    });
    expect(diff(text, out)).toEqual([
      ['version     : 8.0 # the last release', 'version     : "8.1" # the last release'],
      ['release     : 41', 'release     : 42'],
      [
        '    - https://www.nano-editor.org/dist/v8/nano-8.0.tar.xz : c17f43fc0e37336b33ee50a209c701d5beb808adc2d9f089ca831b40539c9ac4',
        `    - https://www.nano-editor.org/dist/v8/nano-8.1.tar.xz : ${'ab'.repeat(32)}`,
      ],
      ['        ref     : v1.0   # pinned', '        ref     : v1.1   # pinned'],
    ]);
    const { recipe } = parseRecipe(out);
    expect(recipe.version).toBe('8.1');
    expect(recipe.upstreams[0]).toMatchObject({ uri: 'https://www.nano-editor.org/dist/v8/nano-8.1.tar.xz' });
  });

  it('keeps the release with bump: false and refuses a kind mismatch', () => {
    const out = updateRecipe(text, { version: '9', upstreams: [], bump: false });
    expect(diff(text, out)).toEqual([
      ['version     : 8.0 # the last release', 'version     : "9" # the last release'],
    ]);
    expect(() => updateRecipe(text, { version: '9', upstreams: [{ ref: 'x' }] })).toThrow(
      /upstream 1 is a plain upstream/,
    );
    expect(() =>
      updateRecipe(text, { version: '9', upstreams: [{ ref: 'a' }, { ref: 'b' }, { ref: 'c' }] }),
    ).toThrow(/3 upstreams given, the recipe has 2/);
  });
});

describe('recipeRelease', () => {
  it('is the release bumpRelease starts from, or the same error', () => {
    expect(recipeRelease(text)).toBe(41);
    expect(() => recipeRelease('name: x\n', 'x.yaml')).toThrow(
      expect.objectContaining({ code: 'RECIPE_EDIT_FAILED' }),
    );
  });
});

describe('readRecipeText', () => {
  it('reads a stone.yaml, or the one in a directory; anything else is RECIPE_READ_FAILED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recipe-text-'));
    try {
      writeFileSync(join(dir, 'stone.yaml'), text);
      expect(await readRecipeText(dir)).toEqual({ file: join(dir, 'stone.yaml'), text });
      expect(await readRecipeText(join(dir, 'stone.yaml'))).toEqual({ file: join(dir, 'stone.yaml'), text });
      await expect(readRecipeText(join(dir, 'nowhere'))).rejects.toMatchObject({
        code: 'RECIPE_READ_FAILED',
        hint: 'pass the path of a stone.yaml, or of the directory that holds it',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
