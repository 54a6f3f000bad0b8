import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { modelOf, parseModel, schemaOf, serializeModel } from '../src/index.ts';

const KEY = `RW${'Q'.repeat(54)}`;
const text = `# what my laptop should have
version: 1
repositories:
  volatile:
    uri: https://example.invalid/volatile/x86_64/stone.index
    priority: 10
    keys: [${KEY}]
  local:
    uri: file:///srv/repo/stone.index
    active: false
packages:
  - nano
  - binary(cc)
  - soname(libz.so.1(x86_64))
`;

const fails = (t: string) => {
  try {
    parseModel(t, 'model.yaml');
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('parsed');
};

describe('system models', () => {
  it('parses names, providers and repository entries with their defaults', () => {
    const m = parseModel(text, 'model.yaml');
    expect(m.packages).toEqual(['nano', 'binary(cc)', 'soname(libz.so.1(x86_64))']);
    expect(m.repositories).toEqual([
      {
        id: 'volatile',
        uri: 'https://example.invalid/volatile/x86_64/stone.index',
        priority: 10,
        active: true,
        keys: [KEY],
      },
      { id: 'local', uri: 'file:///srv/repo/stone.index', priority: 0, active: false, keys: [] },
    ]);
    expect(parseModel('version: 1\npackages: []\n').repositories).toBeUndefined();
  });

  it('writes a model that parses back to itself and validates against the shipped schema', () => {
    const m = parseModel(text);
    const out = serializeModel(m);
    expect(out.startsWith('# moss system model')).toBe(true);
    expect(parseModel(out)).toEqual(m);
    expect(new Ajv({ strict: true }).compile(schemaOf('model'))(parse(out))).toBe(true);
  });

  it('modelOf keeps the explicit packages by name, sorted and once', () => {
    const m = modelOf({
      repositories: [],
      packages: [
        { name: 'zsh', explicit: true },
        { name: 'glibc', explicit: false },
        { name: 'bash', explicit: true },
      ],
    });
    expect(m.packages).toEqual(['bash', 'zsh']);
  });

  it('names the line of every mistake', () => {
    expect(fails('version: 1\npackages:\n  - nano\n  - 3\n').message).toBe(
      'model.yaml:4: packages › 1 must be string',
    );
    expect(fails('version: 1\npackages: [nano]\nrepos: {}\n').message).toBe(
      'model.yaml:3: the file: unknown key "repos"',
    );
    expect(fails('version: 1\npackages: [nano]\nrepositories:\n  main:\n    url: x\n').message).toMatch(
      /^model\.yaml:5: repositories › main: unknown key "url"|^model\.yaml:5: repositories › main must have required property 'uri'/,
    );
    expect(fails('version: 1\npackages:\n  - nano\n  - binary(\n').message).toBe(
      'model.yaml:4: "binary(" is not a package name or a provider such as binary(nano)',
    );
    expect(
      fails('version: 1\npackages: [a]\nrepositories:\n  my repo:\n    uri: https://x.invalid/stone.index\n')
        .message,
    ).toBe('model.yaml:4: repository name "my repo" may only hold letters, digits and -');
    expect(fails('version: 2\npackages: []\n')).toMatchObject({ code: 'MODEL_UNSUPPORTED_VERSION' });
    expect(fails('version: 1\npackages: [a\n')).toMatchObject({ code: 'MODEL_BAD_YAML' });
    expect(fails('packages: [a]\n').message).toBe(
      "model.yaml:1: the file must have required property 'version'",
    );
  });
});
