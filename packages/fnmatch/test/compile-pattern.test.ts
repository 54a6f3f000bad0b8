import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isSerpentError } from '@serpent/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compilePattern, FnmatchError, type FnmatchErrorCode } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const triggersDir = join(repoRoot, '..', 'shared', 'fixtures', 'triggers');

type Want = Record<string, string> | null;

/**
 * libs.md §2.4, vectors 1-30. Where the original's result is one of the quirks listed in
 * libs.md §6 (text moved after a capture, raw regex text, `\` not escaping, `?` matching `/`,
 * truncation at non-ASCII, no globstar), `upstream` records what it did and `want` is ours.
 */
const vectors: { n: number; pattern: string; path: string; want: Want; upstream?: Want }[] = [
  {
    n: 1,
    pattern: '/usr/lib/modules/(version:*)/*',
    path: '/usr/lib/modules/6.2.6/modules.symbols',
    want: { version: '6.2.6' },
  },
  {
    n: 2,
    pattern: '/usr/lib/modules/(version:*)/*',
    path: '/usr/lib/modules/6.6.67-51.kvm/kernel/net/netfilter/nft_hash.ko.zst',
    want: null,
  },
  {
    n: 3,
    pattern: '/usr/lib/modules/(version:*)/*',
    path: '/usr/lib/modules/6.6.7-267.current/kernel',
    want: { version: '6.6.7-267.current' },
  },
  {
    n: 4,
    pattern: '/usr/lib/modules/(version:*)/*',
    path: '/usr/lib/modules/6.6.7/',
    want: { version: '6.6.7' },
  },
  { n: 5, pattern: '/usr/lib/modules/(version:*)/*', path: '/usr/lib/modules//x', want: { version: '' } },
  { n: 6, pattern: '/usr/lib/modules/(version:*)/*', path: 'usr/lib/modules/6.6.7/kernel', want: null },
  { n: 7, pattern: '/usr/bin/*', path: '/usr/bin/.hidden', want: {} },
  { n: 7, pattern: '/usr/bin/*', path: '/usr/bin/', want: {} },
  { n: 7, pattern: '/usr/bin/*', path: '/usr/bin', want: null },
  { n: 7, pattern: '/usr/bin/*', path: '/usr/bin/a/b', want: null },
  { n: 8, pattern: '/usr/share/man/**', path: '/usr/share/man/man1', want: {} },
  { n: 8, pattern: '/usr/share/man/**', path: '/usr/share/man/man1/ls.1.zst', want: {}, upstream: null },
  { n: 9, pattern: '/usr/lib*/lib*.so.*', path: '/usr/lib32/libc.so.6', want: {} },
  { n: 9, pattern: '/usr/lib*/lib*.so.*', path: '/usr/lib/libfoo.so.1.2.3', want: {} },
  { n: 10, pattern: '/usr/lib*/lib*.so.*', path: '/usr/lib/libc.so', want: null },
  { n: 10, pattern: '/usr/lib*/lib*.so.*', path: '/usr/lib/ld-linux-x86-64.so.2', want: null },
  { n: 10, pattern: '/usr/lib*/lib*.so.*', path: '/usr/lib/glibc-hwcaps/x86-64-v3/libc.so.6', want: null },
  {
    n: 11,
    pattern: '/usr/share/info/(item:*.info*)',
    path: '/usr/share/info/a.info-1.gz',
    want: { item: 'a.info-1.gz' },
  },
  { n: 11, pattern: '/usr/share/info/(item:*.info*)', path: '/usr/share/info/dir', want: null },
  {
    n: 12,
    pattern: '/usr/lib*/systemd/system/(name:*.service)',
    path: '/usr/lib/systemd/system/getty@.service',
    want: { name: 'getty@.service' },
  },
  {
    n: 12,
    pattern: '/usr/lib*/systemd/system/(name:*.service)',
    path: '/usr/lib/systemd/system/sshd.socket',
    want: null,
  },
  {
    n: 13,
    pattern: 'lib/kernel/(version:*)/*',
    path: 'lib/kernel/cmdline.d/10-quiet.cmdline',
    want: { version: 'cmdline.d' },
  },
  { n: 14, pattern: '/usr/lib/?', path: '/usr/lib//', want: null, upstream: {} },
  { n: 14, pattern: '/usr/lib/?', path: '/usr/lib/é', want: {} },
  { n: 14, pattern: '/usr/lib/?', path: '/usr/lib/ab', want: null },
  { n: 15, pattern: 'a?b', path: 'a/b', want: null, upstream: {} },
  { n: 15, pattern: 'a?b', path: 'a\nb', want: {}, upstream: null },
  { n: 16, pattern: '(name:*).so.(ver:*)', path: 'lib.so.x.so.1', want: { name: 'lib.so.x', ver: '1' } },
  { n: 17, pattern: '(z:*)/(a:*)', path: '1/2', want: { a: '2', z: '1' } },
  { n: 18, pattern: '(a:*)-(b:*)', path: 'x-y-z', want: { a: 'x-y', b: 'z' }, upstream: null },
  { n: 18, pattern: '(a:*)-(b:*)', path: '-', want: { a: '', b: '' } },
  { n: 19, pattern: 'a(v:.)b', path: 'a.b', want: { v: '.' }, upstream: null },
  { n: 20, pattern: '/x/(v:)', path: '/x/', want: { v: '' } },
  { n: 21, pattern: 'lib[0-9]*.so', path: 'lib6.so', want: {} },
  { n: 21, pattern: 'lib[0-9]*.so', path: 'libx.so', want: null },
  { n: 22, pattern: 'foo+', path: 'fooo', want: null, upstream: {} },
  { n: 22, pattern: 'foo+', path: 'foo+', want: {}, upstream: null },
  { n: 23, pattern: 'a|b', path: 'a|b', want: {} },
  { n: 23, pattern: 'a|b', path: 'a', want: null, upstream: {} },
  { n: 24, pattern: 'a\\*b', path: 'a*b', want: {}, upstream: null },
  { n: 24, pattern: 'a\\*b', path: 'axb', want: null },
  { n: 25, pattern: 'a\\.b', path: 'a.b', want: {}, upstream: null },
  { n: 25, pattern: 'a\\.b', path: 'a\\xb', want: null, upstream: {} },
  { n: 26, pattern: 'a\\?b', path: 'a?b', want: {}, upstream: null },
  { n: 26, pattern: 'a\\?b', path: 'a.b', want: null, upstream: {} },
  { n: 28, pattern: '/usr/é/*', path: '/usr/', want: null, upstream: {} },
  { n: 28, pattern: '/usr/é/*', path: '/usr/é/x', want: {}, upstream: null },
  { n: 29, pattern: '', path: '', want: {} },
  { n: 29, pattern: '', path: 'a', want: null },
  // Upstream compiled `^(?<a>x)(?<b>y)\|$` and panicked on `x`; here `|` is literal text.
  { n: 30, pattern: '(a:x)|(b:y)', path: 'x', want: null },
  { n: 30, pattern: '(a:x)|(b:y)', path: 'x|y', want: { a: 'x', b: 'y' } },
];

describe('libs.md §2.4 vectors', () => {
  for (const v of vectors) {
    const note = v.upstream === undefined ? '' : ` (upstream: ${JSON.stringify(v.upstream)})`;
    it(`#${v.n} ${JSON.stringify(v.pattern)} on ${JSON.stringify(v.path)} → ${JSON.stringify(v.want)}${note}`, () => {
      const m = compilePattern(v.pattern).match(v.path);
      expect(m === null ? null : { ...m }).toEqual(v.want);
    });
  }

  it('#1 compiles to the same anchored structure as upstream', () => {
    expect(compilePattern('/usr/lib/modules/(version:*)/*').regex.source).toBe(
      '^\\/usr\\/lib\\/modules\\/(?<version>[^/]*)\\/[^/]*$',
    );
  });

  it('#17 lists group names sorted', () => {
    expect(compilePattern('(z:*)/(a:*)').groups).toEqual(['a', 'z']);
  });

  it('#27 a stray ")" is an error (upstream dropped it)', () => {
    expectError('a)b', 'FNMATCH_UNBALANCED_PAREN', 1);
  });
});

function expectError(pattern: string, code: FnmatchErrorCode, offset?: number): void {
  let caught: unknown;
  try {
    compilePattern(pattern);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FnmatchError);
  const e = caught as FnmatchError;
  expect(isSerpentError(e)).toBe(true);
  expect(e.code).toBe(code);
  expect(e.hint).toBeTruthy();
  expect(e.details.pattern).toBe(pattern);
  if (offset !== undefined) expect(e.details.offset).toBe(offset);
  expect(e.message).toContain(JSON.stringify(pattern));
}

describe('malformed patterns are typed errors', () => {
  const cases: [string, FnmatchErrorCode][] = [
    // libs.md §2.4 Error::Group
    ['(nocolon)', 'FNMATCH_MALFORMED_GROUP'],
    ['(a:b:c)', 'FNMATCH_MALFORMED_GROUP'],
    ['(a:*', 'FNMATCH_MALFORMED_GROUP'],
    ['(a:x(y)', 'FNMATCH_MALFORMED_GROUP'],
    // libs.md §2.4 Error::Regex
    ['(:*)', 'FNMATCH_BAD_GROUP_NAME'],
    ['(bad-name:*)', 'FNMATCH_BAD_GROUP_NAME'],
    ['(v:*)/(v:*)', 'FNMATCH_DUPLICATE_GROUP'],
    ['[', 'FNMATCH_UNCLOSED_CLASS'],
    // Ours
    ['/usr/[abc', 'FNMATCH_UNCLOSED_CLASS'],
    ['[z-a]', 'FNMATCH_BAD_RANGE'],
    ['a\\', 'FNMATCH_TRAILING_BACKSLASH'],
    ['(1x:*)', 'FNMATCH_BAD_GROUP_NAME'],
    ['(a.b:*)', 'FNMATCH_BAD_GROUP_NAME'],
  ];
  for (const [pattern, code] of cases) {
    it(`${JSON.stringify(pattern)} → ${code}`, () => expectError(pattern, code));
  }
});

describe('glob semantics', () => {
  it('escapes every regex metacharacter in literal text', () => {
    const p = compilePattern('/a.b+c^d$e{1}f|g');
    expect(p.match('/a.b+c^d$e{1}f|g')).not.toBeNull();
    expect(p.match('/axbbc^d$e{1}f|g')).toBeNull();
  });

  it('keeps text before a capture where it is written', () => {
    expect({ ...compilePattern('/usr/lib/libfoo-(v:*).so').match('/usr/lib/libfoo-1.2.so') }).toEqual({
      v: '1.2',
    });
  });

  it('character classes: ranges, negation, "]" first, never "/"', () => {
    const neg = compilePattern('x[!0-9]');
    expect(neg.match('xa')).not.toBeNull();
    expect(neg.match('x5')).toBeNull();
    expect(neg.match('x/')).toBeNull();
    expect(compilePattern('x[^a]').match('xb')).not.toBeNull();
    const bracket = compilePattern('x[]a]');
    expect(bracket.match('x]')).not.toBeNull();
    expect(bracket.match('xa')).not.toBeNull();
    expect(compilePattern('a[/]b').match('a/b')).toBeNull();
    expect(compilePattern('[\\]]').match(']')).not.toBeNull();
    expect(compilePattern('[a-]').match('-')).not.toBeNull();
  });

  it('"**" crosses segments, including none', () => {
    const p = compilePattern('/usr/share/(rest:**)/index.theme');
    expect({ ...p.match('/usr/share/icons/hicolor/index.theme') }).toEqual({ rest: 'icons/hicolor' });
    expect(p.match('/usr/share//index.theme')).not.toBeNull();
  });

  it('"\\(" and "\\:" are literal', () => {
    expect(compilePattern('a\\(b\\)').match('a(b)')).not.toBeNull();
    expect({ ...compilePattern('(v:x\\:y)').match('x:y') }).toEqual({ v: 'x:y' });
  });

  it('reports the literal prefix and matches a wildcard-free pattern exactly', () => {
    expect(compilePattern('/usr/lib/modules/(version:*)/*').literalPrefix).toBe('/usr/lib/modules/');
    expect(compilePattern('/usr/lib*/x').literalPrefix).toBe('/usr/lib');
    expect(compilePattern('/usr/\\*x').literalPrefix).toBe('/usr/*x');
    const exact = compilePattern('/usr/bin/ldconfig');
    expect(exact.match('/usr/bin/ldconfig')).toEqual({});
    expect(exact.match('/usr/bin/ldconfig2')).toBeNull();
  });

  it('every escaped string matches itself and nothing longer (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const p = compilePattern(Array.from(s, (c) => `\\${c}`).join(''));
        return p.match(s) !== null && p.match(`${s}x`) === null;
      }),
    );
  });

  it('"*" never crosses "/" (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const path = `/d/${a.replaceAll('/', '')}/${b}`;
        const m = compilePattern('/d/(x:*)').match(path);
        return m === null;
      }),
    );
  });
});

// Every pattern in the real Serpent OS trigger files, with paths it must and must not match.
const realPatterns: Record<string, { yes: [string, Record<string, string>][]; no: string[] }> = {
  '/usr/share/fonts/*': {
    yes: [['/usr/share/fonts/TTF', {}]],
    no: ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts'],
  },
  '/usr/lib*/gio/modules/lib*.so': {
    yes: [['/usr/lib/gio/modules/libdconfsettings.so', {}]],
    no: ['/usr/lib/gio/modules/giomodule.cache', '/usr/lib/gio/modules/libx.so.1'],
  },
  '/usr/share/glib-2.0/schemas/*': {
    yes: [['/usr/share/glib-2.0/schemas/org.gnome.desktop.gschema.xml', {}]],
    no: ['/usr/share/glib-2.0/schemas', '/usr/share/glib-2.0x/schemas/a'],
  },
  '/usr/lib*/lib*.so.*': {
    yes: [
      ['/usr/lib/libc.so.6', {}],
      ['/usr/lib32/libz.so.1.3.1', {}],
    ],
    no: ['/usr/lib/libc.so', '/usr/lib/ld-linux-x86-64.so.2', '/usr/lib/glibc-hwcaps/x86-64-v3/libc.so.6'],
  },
  '/usr/lib/modules/(version:*)/*': {
    yes: [
      ['/usr/lib/modules/6.12.1/kernel', { version: '6.12.1' }],
      ['/usr/lib/modules/6.12.15-84.desktop/modules.dep', { version: '6.12.15-84.desktop' }],
    ],
    no: ['/usr/lib/modules/6.12.1', '/usr/lib/modules/6.12.1/kernel/fs/ext4.ko.zst'],
  },
  '/usr/lib/tmpfiles.d/*.conf': {
    yes: [['/usr/lib/tmpfiles.d/systemd.conf', {}]],
    no: ['/usr/lib/tmpfiles.d/README', '/usr/lib/tmpfiles.d/a.conf.d/b'],
  },
  '/usr/share/info/(item:*.info*)': {
    yes: [
      ['/usr/share/info/bash.info.zst', { item: 'bash.info.zst' }],
      ['/usr/share/info/bash.info-1.zst', { item: 'bash.info-1.zst' }],
    ],
    no: ['/usr/share/info/dir', '/usr/share/info'],
  },
};

describe('every pattern of the real trigger files (../shared/fixtures/triggers)', () => {
  const present = existsSync(triggersDir);
  it.skipIf(!present)('compiles each one and matches as the trigger intends', () => {
    const patterns = readdirSync(triggersDir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        Object.keys((parse(readFileSync(join(triggersDir, f), 'utf8')) as { paths: object }).paths),
      );
    expect(patterns.length).toBeGreaterThanOrEqual(7);
    for (const source of patterns) {
      const want = realPatterns[source];
      expect(want, `no expectations written for real pattern ${source}`).toBeDefined();
      const p = compilePattern(source);
      for (const [path, vars] of want!.yes) {
        const m = p.match(path);
        expect(m === null ? null : { ...m }, `${source} on ${path}`).toEqual(vars);
      }
      for (const path of want!.no) expect(p.match(path), `${source} on ${path}`).toBeNull();
    }
  });
  if (!present) it.skip(`../shared/fixtures/triggers is absent (looked in ${triggersDir})`, () => {});
});

describe('mayMatchBelow', () => {
  // The property a pruned walk relies on: a directory is refused only if no path below it
  // matches. Checked against every directory prefix of paths that match, and of some that do not.
  const cases: [string, string[], string[]][] = [
    [
      '/usr/lib/modules/(version:*)/*',
      ['/usr', '/usr/lib', '/usr/lib/modules', '/usr/lib/modules/6.1'],
      ['/usr/share', '/usr/lib/modules/6.1/kernel', '/usr/lib64'],
    ],
    [
      '/usr/lib*/gio/modules/lib*.so',
      ['/usr', '/usr/lib', '/usr/lib64/gio', '/usr/lib32/gio/modules'],
      ['/usr/share', '/usr/lib/x'],
    ],
    ['/usr/share/**/foo', ['/usr', '/usr/share', '/usr/share/a/b/c'], ['/usr/lib', '/usr/sharex']],
    ['/usr/share/(rest:a/b)/c', ['/usr/share', '/usr/share/a', '/usr/share/a/b'], ['/usr/lib']],
    [
      '/usr/share/info/(item:*.info*)',
      ['/usr', '/usr/share', '/usr/share/info'],
      ['/usr/share/info/x', '/usr/share/doc'],
    ],
    ['relative', [], ['/usr', 'relative']],
  ];
  for (const [source, below, notBelow] of cases) {
    it(`knows where ${source} may match`, () => {
      const p = compilePattern(source);
      for (const d of below) expect(p.mayMatchBelow(d), d).toBe(true);
      for (const d of notBelow) expect(p.mayMatchBelow(d), d).toBe(false);
    });
  }
});
