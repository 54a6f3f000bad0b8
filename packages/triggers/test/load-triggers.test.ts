import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTriggerFiles, loadTriggers, parseTrigger, TriggersError } from '../src/index.js';
import { haveFixtures, loadInline, realTriggerFiles, skipReason } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'serpent-triggers-load-'));
  dirs.push(d);
  return d;
}

function parseError(text: string): TriggersError {
  try {
    parseTrigger(text, 'bad.yaml', 'transaction');
  } catch (e) {
    expect(e).toBeInstanceOf(TriggersError);
    return e as TriggersError;
  }
  throw new Error('expected parseTrigger to throw');
}

const plain = (extra = '') => `name: t
description: d
${extra}handlers:
  h:
    run: /a
    args: []
paths:
  /x:
    handlers: [h]
`;

describe('every real trigger file (../shared/fixtures/triggers)', () => {
  it.skipIf(!haveFixtures)('loads without a warning, with its handlers and patterns', async () => {
    const { triggers, warnings } = await loadTriggerFiles(realTriggerFiles());
    expect(warnings).toEqual([]);
    expect(triggers.map((t) => [t.name, t.scope])).toEqual([
      ['fonts-cache', 'transaction'],
      ['glib2', 'transaction'],
      ['depmod', 'transaction'],
      ['texinfo', 'transaction'],
      ['glibc_ldconfig', 'system'],
      ['systemd_tmpfiles', 'system'],
    ]);
    const byName = new Map(triggers.map((t) => [t.name, t]));
    // fontconfig's handler has no `args`: upstream refused the whole file, here it runs with none.
    expect(byName.get('fonts-cache')!.handlers.get('fonts')).toEqual({
      kind: 'run',
      run: '/usr/bin/fc-cache',
      args: [],
    });
    const depmod = byName.get('depmod')!;
    expect(depmod.paths.map((p) => [p.pattern.source, p.type, p.line])).toEqual([
      ['/usr/lib/modules/(version:*)/*', 'directory', 11],
    ]);
    expect(byName.get('glibc_ldconfig')!.after).toEqual(['systemd_tmpfiles']);
    expect(byName.get('systemd_tmpfiles')!.after).toEqual(['systemd_sysusers']);
    expect(byName.get('glib2')!.paths.map((p) => p.line)).toEqual([14, 17]);
  });
  if (!haveFixtures) it.skip(skipReason, () => {});
});

describe('parseTrigger: validation with file and line (libs.md §3.2, T9, T13, T19)', () => {
  it('names the file and line of an unknown handler key', () => {
    const e = parseError('name: t\ndescription: d\nhandlers:\n  h:\n    run: /a\n    arg: [x]\npaths: {}\n');
    expect(e.code).toBe('TRIGGERS_INVALID_FILE');
    expect(e.message).toBe('bad.yaml:6: handlers › h: unknown key "arg"');
    expect(e.details).toMatchObject({ file: 'bad.yaml', line: 6 });
  });

  it('a missing description is an error (T13), on line 1', () => {
    const e = parseError('name: t\nhandlers: {}\npaths: {}\n');
    expect(e.code).toBe('TRIGGERS_INVALID_FILE');
    expect(e.message).toContain("must have required property 'description'");
    expect(e.details.line).toBe(1);
  });

  it('non-string args are an error at their line (T19)', () => {
    const e = parseError(
      'name: t\ndescription: d\nhandlers:\n  h:\n    run: /a\n    args:\n      - ok\n      - 1\npaths: {}\n',
    );
    expect(e.message).toBe('bad.yaml:8: handlers › h › args › 1 must be string');
  });

  it('a malformed pattern is TRIGGERS_BAD_PATTERN at the pattern line (T19)', () => {
    const e = parseError('name: t\ndescription: d\nhandlers: {}\npaths:\n  "/(x":\n    handlers: []\n');
    expect(e.code).toBe('TRIGGERS_BAD_PATTERN');
    expect(e.details.line).toBe(5);
    expect(e.message).toContain('a capture is written (name:glob)');
    expect((e.cause as { code: string }).code).toBe('FNMATCH_MALFORMED_GROUP');
  });

  it('a path naming an undefined handler fails at load time (T8), not in the middle of a transaction', () => {
    const e = parseError(
      'name: broken\ndescription: d\nhandlers: {}\npaths:\n  /usr/bin/*:\n    handlers: [b]\n',
    );
    expect(e.code).toBe('TRIGGERS_MISSING_HANDLER');
    expect(e.details).toMatchObject({ trigger: 'broken', handler: 'b', line: 6 });
  });

  it('an unknown type is an error; "file" is accepted (T9)', () => {
    const e = parseError(
      'name: t\ndescription: d\nhandlers: {}\npaths:\n  /a:\n    handlers: []\n    type: fifo\n',
    );
    expect(e.message).toBe(
      'bad.yaml:7: paths › /a › type must be equal to one of the allowed values: file, directory, symlink',
    );
    const t = parseTrigger(
      'name: t\ndescription: d\nhandlers: {}\npaths:\n  /a:\n    handlers: []\n    type: file\n',
      'f',
      'system',
    );
    expect(t.paths[0]!.type).toBe('file');
  });

  it('a handler is run or delete, never both, never neither', () => {
    expect(
      parseError('name: t\ndescription: d\nhandlers:\n  h:\n    run: /a\n    delete: [/b]\npaths: {}\n')
        .message,
    ).toContain('handlers › h: unknown key "run"');
    expect(parseError('name: t\ndescription: d\nhandlers:\n  h: {}\npaths: {}\n').message).toBe(
      "bad.yaml:4: handlers › h must have required property 'run'",
    );
  });

  it('YAML syntax errors and duplicate keys carry the line', () => {
    const syntax = parseError('name: t\nfoo: [\n');
    expect(syntax.code).toBe('TRIGGERS_BAD_YAML');
    expect(syntax.details.file).toBe('bad.yaml');
    expect(parseError('name: t\nname: u\n').details.line).toBe(2);
  });

  it('accepts before/after as a name or a list (upstream refused a list, T19), and unknown top-level keys', () => {
    const t = parseTrigger(plain('before: [b, c]\nafter: a\nneeds: [x]\n'), 'f', 'system');
    expect(t.before).toEqual(['b', 'c']);
    expect(t.after).toEqual(['a']);
  });

  it('requires both inhibitor lists to be lists of strings when given', () => {
    expect(parseTrigger(plain('inhibitors:\n  paths: [/a]\n'), 'f', 'system').name).toBe('t');
    expect(parseError(plain('inhibitors:\n  paths: /a\n')).code).toBe('TRIGGERS_INVALID_FILE');
  });

  it('an empty file is invalid', () => {
    expect(parseError('').message).toBe('bad.yaml: the file must be object');
  });
});

describe('loadTriggers: trigger roots', () => {
  it('loads tx.yaml, tx.d, sys.yaml and sys.d in sorted order with their scopes', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'tx.d'));
    await mkdir(join(root, 'sys.d'));
    const body = (name: string) => plain().replace('name: t', `name: ${name}`);
    await writeFile(join(root, 'tx.yaml'), body('tx-single'));
    await writeFile(join(root, 'tx.d', 'b.yaml'), body('b'));
    await writeFile(join(root, 'tx.d', 'a.yaml'), body('a'));
    await writeFile(join(root, 'tx.d', 'c.yml'), body('c'));
    await writeFile(join(root, 'tx.d', 'README'), 'not a trigger');
    await writeFile(join(root, 'sys.d', 'z.yaml'), body('z'));
    await writeFile(join(root, 'sys.d', 'a.yaml'), body('a'));
    const { triggers, warnings } = await loadTriggers([root]);
    expect(triggers.map((t) => `${t.scope}:${t.name}`)).toEqual([
      'transaction:tx-single',
      'transaction:a',
      'transaction:b',
      'system:a',
      'system:z',
    ]);
    expect(warnings.map((w) => [w.code, w.file])).toEqual([
      ['TRIGGERS_IGNORED_FILE', join(root, 'tx.d', 'c.yml')],
    ]);
  });

  it.skipIf(!haveFixtures)(
    'the real files installed as the recipes do load from a staging /usr',
    async () => {
      const usr = await tempDir();
      const root = join(usr, 'share', 'moss', 'triggers');
      for (const f of realTriggerFiles()) {
        const dir = join(root, f.scope === 'transaction' ? 'tx.d' : 'sys.d');
        await mkdir(dir, { recursive: true });
        await copyFile(f.path, join(dir, basename(f.path)));
      }
      const { triggers, warnings } = await loadTriggers([root]);
      expect(warnings).toEqual([]);
      expect(triggers.map((t) => `${t.scope}:${t.name}`)).toEqual([
        'transaction:fonts-cache',
        'transaction:glib2',
        'transaction:depmod',
        'transaction:texinfo',
        'system:glibc_ldconfig',
        'system:systemd_tmpfiles',
      ]);
    },
  );

  it('an absent root or scope directory is fine', async () => {
    const root = await tempDir();
    expect(await loadTriggers([join(root, 'nope'), root])).toEqual({ triggers: [], warnings: [] });
  });

  it('a file that fails to load is a warning naming the file, the line and the reason, never silent', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'tx.d'));
    await writeFile(join(root, 'tx.d', 'good.yaml'), plain());
    await writeFile(
      join(root, 'tx.d', 'bad.yaml'),
      'name: x\ndescription: d\nhandlers: {}\npaths:\n  /a:\n    handlers: [nope]\n',
    );
    await symlink(join(root, 'missing-target.yaml'), join(root, 'tx.d', 'dangling.yaml'));
    const { triggers, warnings } = await loadTriggers([root]);
    expect(triggers.map((t) => t.name)).toEqual(['t']);
    expect(warnings).toHaveLength(2);
    const bad = warnings.find((w) => w.file.endsWith('bad.yaml'))!;
    expect(bad).toMatchObject({ code: 'TRIGGERS_MISSING_HANDLER', line: 6 });
    expect(bad.message).toContain(join(root, 'tx.d', 'bad.yaml'));
    const dangling = warnings.find((w) => w.file.endsWith('dangling.yaml'))!;
    expect(dangling.code).toBe('TRIGGERS_UNREADABLE');
    expect(dangling.message).toContain('ENOENT');
  });

  it('a second trigger with a loaded name is left out with a warning naming both files (T11)', async () => {
    const { dir, triggers, warnings } = await loadInline({
      one: 'name: dup\ndescription: d\nhandlers:\n  h: {run: /a, args: ["1"]}\npaths:\n  /usr/bin/*: {handlers: [h]}\n',
      two: 'name: dup\ndescription: d\nhandlers:\n  h: {run: /a, args: ["2"]}\npaths:\n  /usr/sbin/*: {handlers: [h]}\n',
    });
    dirs.push(dir);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.file).toBe(join(dir, 'one.yaml'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('TRIGGERS_DUPLICATE_NAME');
    expect(warnings[0]!.message).toContain(join(dir, 'one.yaml'));
    expect(warnings[0]!.file).toBe(join(dir, 'two.yaml'));
  });
});
