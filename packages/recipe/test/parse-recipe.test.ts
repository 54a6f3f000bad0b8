import { describe, expect, it } from 'vitest';
import { parseRecipe, RecipeError } from '../src/index.js';

const minimal = `name: hello
version: "1.0"
release: 1
homepage: https://example.org
license: MIT
`;

function schemaError(text: string): RecipeError {
  try {
    parseRecipe(text, 'r/stone.yaml');
  } catch (e) {
    if (e instanceof RecipeError) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('parseRecipe', () => {
  it('applies every default of a minimal recipe', () => {
    const { recipe, warnings } = parseRecipe(minimal);
    expect(warnings).toEqual([]);
    expect(recipe).toMatchObject({
      name: 'hello',
      version: '1.0',
      release: 1,
      licenses: ['MIT'],
      summary: '',
      description: '',
      upstreams: [],
      builddeps: [],
      toolchain: 'llvm',
      strip: true,
      emul32: false,
      networking: false,
      mold: false,
    });
  });

  it('reads stringy booleans and rejects other words, naming the line', () => {
    const { recipe } = parseRecipe(`${minimal}emul32: yes\nstrip: Off\nnetworking: ON\n`);
    expect([recipe.emul32, recipe.strip, recipe.networking]).toEqual([true, false, true]);
    const e = schemaError(`${minimal}emul32: maybe\n`);
    expect(e.code).toBe('RECIPE_SCHEMA_INVALID');
    expect(e.message).toContain('r/stone.yaml:6: emul32: expected a boolean (true/false, yes/no, on/off)');
    expect(e.details.line).toBe(6);
  });

  it('lists every problem with its line, sorted', () => {
    const e = schemaError(
      'name: hello\nversion: "1"\nrelease: -2\nhomepage: [a]\nlicense: MIT\ntoolchain: msvc\n',
    );
    expect(e.message).toContain('r/stone.yaml:3: release: expected a non-negative integer');
    expect(e.message).toContain('r/stone.yaml:4: homepage: expected a string');
    expect(e.message).toContain('r/stone.yaml:6: toolchain: expected llvm or gnu');
    // A hint says what to do where the user is: never a path into the developers' checkout.
    expect(e.hint).toContain('recipeSchema');
    expect(e.hint).not.toContain('../shared');
  });

  it('names a missing required key', () => {
    const e = schemaError('name: hello\nversion: "1"\nhomepage: x\nlicense: MIT\n');
    expect(e.message).toContain('missing required key `release`');
  });

  it('points into nested lists: an upstream hash that is too short', () => {
    const text = `${minimal}upstreams:\n    - https://example.org/a.tar.xz: abc\n`;
    const e = schemaError(text);
    expect(e.message).toMatch(
      /r\/stone\.yaml:7: upstreams\.0\.https:\/\/example\.org\/a\.tar\.xz: expected .*at least 5/,
    );
  });

  it('warns about unknown keys with their line instead of ignoring them', () => {
    const { warnings } = parseRecipe(
      `${minimal}tune:\n    - lto\npackages:\n    - "%(name)-devel":\n        path: [/usr/x]\n`,
      'f.yaml',
    );
    expect(warnings).toEqual([
      { file: 'f.yaml', line: 6, message: 'unknown key `tune` (ignored)' },
      { file: 'f.yaml', line: 10, message: 'unknown key `path` in packages.0.%(name)-devel (ignored)' },
    ]);
  });

  it('keeps a numeric version as written and warns where boulder would change it', () => {
    const { recipe, warnings } = parseRecipe(minimal.replace('"1.0"', '1.10'));
    expect(recipe.version).toBe('1.10');
    expect(warnings[0]?.message).toBe('version 1.10 is a YAML number that boulder reads as 1.1; quote it');
    const plain = parseRecipe(minimal.replace('"1.0"', '2.47'));
    expect(plain.recipe.version).toBe('2.47');
    expect(plain.warnings).toEqual([]);
  });

  it('reports YAML syntax errors with their line', () => {
    try {
      parseRecipe(`${minimal}setup: |\n  ok\n bad: [\n`, 'y.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as RecipeError).code).toBe('RECIPE_YAML_INVALID');
      expect((e as RecipeError).message).toMatch(/y\.yaml:\d+:/);
    }
  });

  it('reads every upstream form', () => {
    const { recipe } = parseRecipe(
      `${minimal}upstreams:
    - https://e.org/a-1.tar.xz: 0123456789abcdef
    - https://e.org/b.zip:
        hash: fedcba9876543210
        rename: b-src.zip
        stripdirs: 0
        unpack: no
        unpackdir: bsrc
    - git|https://e.org/c.git: v1.0
    - git|https://e.org/d.git:
        ref: main
        clonedir: dd
        staging: false
`,
    );
    expect(recipe.upstreams).toEqual([
      {
        kind: 'plain',
        uri: 'https://e.org/a-1.tar.xz',
        hash: '0123456789abcdef',
        stripDirs: 1,
        unpack: true,
      },
      {
        kind: 'plain',
        uri: 'https://e.org/b.zip',
        hash: 'fedcba9876543210',
        rename: 'b-src.zip',
        stripDirs: 0,
        unpack: false,
        unpackDir: 'bsrc',
      },
      { kind: 'git', uri: 'https://e.org/c.git', ref: 'v1.0', staging: true },
      { kind: 'git', uri: 'https://e.org/d.git', ref: 'main', cloneDir: 'dd', staging: false },
    ]);
  });

  it('rejects a git map under a plain URL', () => {
    const e = schemaError(`${minimal}upstreams:\n    - https://e.org/a.tar.xz:\n        ref: v1\n`);
    expect(e.message).toContain('missing required key `hash`');
  });

  it('records where each script starts, for block and plain scalars', () => {
    const { recipe } = parseRecipe(
      `${minimal}setup: |\n    %configure\nbuild: make\nprofiles:\n    - emul32:\n        install: |\n            %make_install\n`,
    );
    expect(recipe.scriptLines).toEqual({ setup: 7, build: 8, 'profiles.emul32.install': 12 });
    expect(recipe.profiles[0]).toEqual({
      target: 'emul32',
      spec: { install: '%make_install\n', builddeps: [], checkdeps: [] },
    });
  });

  it('reads tuning in every form and paths with kinds', () => {
    const { recipe } = parseRecipe(
      `${minimal}tuning:\n    - bolt\n    - lto: false\n    - icf: all\npaths:\n    - /usr/x\n    - /usr/bin/y: exe\n`,
    );
    expect(recipe.tuning).toEqual([
      { group: 'bolt', value: true },
      { group: 'lto', value: false },
      { group: 'icf', value: 'all' },
    ]);
    expect(recipe.paths).toEqual([
      { pattern: '/usr/x', kind: 'any' },
      { pattern: '/usr/bin/y', kind: 'exe' },
    ]);
  });

  it('treats an empty or "(null)" environment as absent', () => {
    expect(parseRecipe(`${minimal}environment: (null)\n`).recipe.environment).toBeUndefined();
    expect(parseRecipe(`${minimal}environment: ""\n`).recipe.environment).toBeUndefined();
  });
});
