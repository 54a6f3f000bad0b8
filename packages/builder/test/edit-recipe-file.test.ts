import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bumpRecipeFile, updateRecipeFile } from '../src/index.ts';

const RECIPE = `# a comment that must survive
name        : hello
version     : "1.0"
release     : 4
homepage    : https://example.org/hello
upstreams   :
    - https://example.org/hello-1.0.tar.gz : 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881
summary     : Hello
description : Hello
license     : MPL-2.0
build       : |
    %make
`;

describe('recipe files edited in place', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edit-recipe-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'stone.yaml');

  it('bumps the release of a recipe or its directory, saying from what to what', async () => {
    writeFileSync(file, RECIPE);
    expect(await bumpRecipeFile(dir)).toEqual({ file, from: 4, to: 5 });
    expect(await bumpRecipeFile(file, 9)).toEqual({ file, from: 5, to: 9 });
    expect(readFileSync(file, 'utf8')).toBe(RECIPE.replace('release     : 4', 'release     : 9'));
    await expect(bumpRecipeFile(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'RECIPE_READ_FAILED' });
  });

  it('moves a recipe to a new version, hashing the new upstream; a dry run writes nothing', async () => {
    writeFileSync(file, RECIPE);
    const next = join(dir, 'hello-1.1.tar.gz');
    writeFileSync(next, 'the next release');
    const sha = createHash('sha256').update('the next release').digest('hex');
    const hashed: string[] = [];
    const url = pathToFileURL(next).href;
    const dry = await updateRecipeFile(dir, {
      version: '1.1',
      upstreams: [url],
      write: false,
      onHashing: (u) => hashed.push(u),
    });
    expect(hashed).toEqual([url]);
    expect(readFileSync(file, 'utf8')).toBe(RECIPE);
    expect(dry).toMatchObject({ file, name: 'hello', from: '1.0' });
    expect(dry.text).toContain(`    - ${url} : ${sha}\n`);
    expect(dry.text).toContain('version     : "1.1"\nrelease     : 5\n');
    const done = await updateRecipeFile(file, { version: '1.1', upstreams: [url], bump: false });
    expect(readFileSync(file, 'utf8')).toBe(done.text);
    expect(done.text).toContain('# a comment that must survive\n');
    expect(done.text).toContain('release     : 4\n');
  });
});
