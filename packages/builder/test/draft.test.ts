import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseRecipe } from '@serpent/recipe';
import { afterAll, describe, expect, it } from 'vitest';
import {
  analyzeSource,
  draftRecipe,
  lookupMonitoring,
  renderMonitoringYaml,
  scanDependencies,
  sourceMetadata,
} from '../src/index.ts';

const work = mkdtempSync(join(tmpdir(), 'draft-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A source tree from `files` (path → text); returns its top directory. */
function tree(files: Record<string, string>): string {
  const root = join(work, `tree${n++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('analyzeSource: the build system and what it needs', () => {
  it('scores each system as the original, with perl and plain make besides', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'configure.ac': 'AC_INIT', configure: '', 'Makefile.am': '' }, 'autotools'],
      [{ 'CMakeLists.txt': 'project(x)', Makefile: '' }, 'cmake'],
      [{ 'meson.build': "project('x')", 'CMakeLists.txt': '' }, 'meson'],
      [{ 'Cargo.toml': '[package]\nname = "x"\n', Makefile: '' }, 'cargo'],
      [{ 'pyproject.toml': '[build-system]\nrequires = []\n', 'setup.py': '' }, 'python-pep517'],
      [{ 'pyproject.toml': '[tool.black]\n', 'setup.py': '' }, 'python-setuptools'],
      [{ 'setup.py': '' }, 'python-setuptools'],
      [{ 'Makefile.PL': 'use ExtUtils::MakeMaker;' }, 'perl'],
      [{ Makefile: 'all:' }, 'make'],
      [{ 'configure.ac': '', Makefile: '' }, 'autotools'],
      // A CMakeLists.txt below the top does not make a CMake project.
      [{ 'sub/CMakeLists.txt': '', Makefile: '' }, 'make'],
    ];
    for (const [files, system] of cases)
      expect([Object.keys(files).join(' '), analyzeSource([tree(files)]).system]).toEqual([
        Object.keys(files).join(' '),
        system,
      ]);
    const none = analyzeSource([tree({ README: 'hi' })]);
    expect([none.system, none.guessed]).toEqual(['autotools', true]);
  });

  it('reads the build dependencies of every build file, at any depth', () => {
    const root = tree({
      'configure.ac':
        'PKG_CHECK_MODULES([GLIB], [glib-2.0 >= 2.70 gio-2.0])\nPKG_CHECK_MODULES(X11, x11)\nPKG_CHECK_EXISTS([wayland-client], [have=yes])\n',
      'CMakeLists.txt':
        'find_package(Qt6 REQUIRED COMPONENTS Core)\nfind_package(Threads)\nfind_package (ECM 6.0 NO_MODULE)\npkg_check_modules(PC REQUIRED IMPORTED_TARGET libpng>=1.6 zlib)\n',
      'src/meson.build':
        "z = dependency('zlib', version: '>=1.2')\nt = dependency('threads')\np = find_program('python3')\nq = find_program('/usr/bin/true')\n",
      'pyproject.toml':
        '[build-system]\nrequires = ["setuptools>=61", "Wheel"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "x"\n',
    });
    expect(analyzeSource([root]).builddeps).toEqual([
      'binary(python3)',
      'cmake(ECM)',
      'cmake(Qt6)',
      'pkgconfig(gio-2.0)',
      'pkgconfig(glib-2.0)',
      'pkgconfig(libpng)',
      'pkgconfig(wayland-client)',
      'pkgconfig(x11)',
      'pkgconfig(zlib)',
      'python(setuptools)',
      'python(wheel)',
    ]);
    expect(scanDependencies('README', 'find_package(X)')).toEqual([]);
  });

  it('takes name, version, summary and license from a top-level Cargo.toml or pyproject.toml', () => {
    const a = analyzeSource([
      tree({
        'Cargo.toml':
          '[package]\nname = "rg"\nversion = "14.1.0"\ndescription = "Search"\nlicense = "MIT OR Unlicense"\n[dependencies]\nfoo = "1"\n',
      }),
    ]);
    expect(a.project).toEqual({
      name: 'rg',
      version: '14.1.0',
      summary: 'Search',
      license: 'MIT OR Unlicense',
    });
    const p = analyzeSource([
      tree({
        'pyproject.toml': '[project]\nname = "Foo"\nversion = "2.0"\nlicense = { text = "BSD-3-Clause" }\n',
      }),
    ]);
    expect(p.project).toEqual({ name: 'Foo', version: '2.0', license: 'BSD-3-Clause' });
  });
});

describe('sourceMetadata: name, version and homepage from the first URL', () => {
  it('knows GitHub archives and release assets, and name-version file names', () => {
    expect(sourceMetadata('https://github.com/BurntSushi/ripgrep/archive/refs/tags/14.1.0.tar.gz')).toEqual({
      name: 'ripgrep',
      version: '14.1.0',
      homepage: 'https://github.com/BurntSushi/ripgrep',
      forge: 'github',
    });
    expect(sourceMetadata('https://github.com/foo/Bar/releases/download/v2.3/bar-2.3.tar.xz')).toMatchObject({
      name: 'bar',
      version: '2.3',
    });
    expect(sourceMetadata('https://www.nano-editor.org/dist/v8/nano-8.0.tar.xz')).toEqual({
      name: 'nano',
      version: '8.0',
      homepage: 'https://www.nano-editor.org/dist/v8/',
    });
    expect(
      sourceMetadata('https://files.pythonhosted.org/packages/a/b/installer-0.7.0.tar.gz'),
    ).toMatchObject({ name: 'installer', forge: 'pypi' });
    expect(sourceMetadata('https://example.org/download?id=3')).toEqual({});
  });
});

describe('lookupMonitoring', () => {
  it('asks release-monitoring.org and the CPE guesser (here a local server), and survives their failure', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith('/api/v2/projects/?name=nano')) {
        res.end(
          JSON.stringify({
            items: [{ id: 2046, name: 'nano', homepage: 'https://nano-editor.org' }],
            total_items: 1,
          }),
        );
      } else if (req.url === '/search') {
        res.end(
          JSON.stringify([
            [1, 'cpe:2.3:a:gnu:nano'],
            [2, 'cpe:2.3:a:gnu:nano'],
          ]),
        );
      } else {
        res.statusCode = 503;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const m = await lookupMonitoring('nano', { releaseMonitoring: base, cpeGuesser: base });
      expect(m).toEqual({ id: 2046, cpe: [{ vendor: 'gnu', product: 'nano' }], problems: [] });
      expect(seen).toEqual(['GET /api/v2/projects/?name=nano', 'POST /search']);
      const text = renderMonitoringYaml('nano', m, '2026-12-03');
      expect(text).toBe(
        'releases:\n    id: 2046 # https://release-monitoring.org/project/2046\n    rss: ~\nsecurity:\n    cpe:\n        - vendor: gnu\n          product: nano\n',
      );
      const down = await lookupMonitoring('nano', {
        releaseMonitoring: `${base}/down`,
        cpeGuesser: `${base}/down`,
        timeoutMs: 2000,
      });
      expect(down.id).toBeUndefined();
      expect(down.problems).toEqual([
        'release-monitoring.org lookup failed: HTTP 503',
        'CPE guesser lookup failed: HTTP 503',
      ]);
      expect(renderMonitoringYaml('nano', down, '2026-12-03')).toContain(
        '# No known CPE, checked 2026-12-03\nsecurity:\n    cpe: ~\n',
      );
    } finally {
      server.close();
    }
  });
});

describe('draftRecipe', () => {
  function tarball(name: string, files: Record<string, string>): { url: string; sha: string } {
    const root = tree(files);
    const file = join(work, `${name}.tar.gz`);
    execFileSync('tar', [
      '-czf',
      file,
      '-C',
      dirname(root),
      `--transform=s,^${root.split('/').pop()},${name},`,
      root.split('/').pop()!,
    ]);
    return {
      url: pathToFileURL(file).href,
      sha: createHash('sha256').update(readFileSync(file)).digest('hex'),
    };
  }

  it('writes a stone.yaml boulder accepts, with the hashes, macros and dependencies, and monitoring.yaml', async () => {
    const src = tarball('greet-2.1.0', {
      'meson.build': "project('greet', 'c')\nz = dependency('zlib')\n",
      'meson_options.txt': '',
    });
    const patch = join(work, 'fix.patch');
    writeFileSync(patch, '--- a\n+++ b\n');
    const patchSha = createHash('sha256').update(readFileSync(patch)).digest('hex');
    const out = join(work, 'draft-out');
    const events: string[] = [];
    const draft = await draftRecipe([src.url, pathToFileURL(patch).href], {
      outputDir: out,
      lookup: false,
      toolchain: 'gnu',
      onEvent: (e) => events.push(e.type),
    });
    expect(events).toEqual(expect.arrayContaining(['draft-downloading', 'draft-downloaded']));
    const text = readFileSync(join(out, 'stone.yaml'), 'utf8');
    expect(text).toBe(draft.stoneYaml);
    const { recipe } = parseRecipe(text, 'stone.yaml');
    expect(recipe).toMatchObject({
      name: 'greet',
      version: '2.1.0',
      release: 1,
      toolchain: 'gnu',
      builddeps: ['pkgconfig(zlib)'],
      summary: 'UPDATE SUMMARY',
      licenses: ['UPDATE LICENSE'],
      setup: '%meson\n',
      build: '%meson_build\n',
      install: '%meson_install\n',
    });
    expect(recipe.upstreams).toEqual([
      { kind: 'plain', uri: src.url, hash: src.sha, stripDirs: 1, unpack: true },
      { kind: 'plain', uri: pathToFileURL(patch).href, hash: patchSha, stripDirs: 1, unpack: false },
    ]);
    expect(readFileSync(join(out, 'monitoring.yaml'), 'utf8')).toContain(
      '    id: ~ # https://release-monitoring.org/ and search for greet\n',
    );
    // A second draft into the same place keeps the first, unless forced.
    await expect(draftRecipe([src.url], { outputDir: out, lookup: false })).rejects.toMatchObject({
      code: 'BUILD_DRAFT_FAILED',
      message: expect.stringContaining('stone.yaml exists already'),
    });
    expect(readFileSync(join(out, 'stone.yaml'), 'utf8')).toBe(text);
    await draftRecipe([src.url], { outputDir: out, lookup: false, force: true });
    expect(readFileSync(join(out, 'stone.yaml'), 'utf8')).not.toContain('fix.patch');
  });

  it('refuses an archive whose members reach outside it, and writes nothing anywhere', async () => {
    const outside = join(work, 'outside');
    mkdirSync(outside);
    // A symlink to a directory outside, a member through it, and a member climbing out with `..`.
    const evil = join(work, 'evil-1.0.tar');
    const py = [
      'import io, sys, tarfile',
      'with tarfile.open(sys.argv[1], "w") as t:',
      '    l = tarfile.TarInfo("evil-1.0/link"); l.type = tarfile.SYMTYPE; l.linkname = sys.argv[2]; t.addfile(l)',
      '    for name in ("evil-1.0/link/pwned", "evil-1.0/../../escape", "evil-1.0/configure.ac"):',
      '        f = tarfile.TarInfo(name); f.size = 6; t.addfile(f, io.BytesIO(b"pwned\\n"))',
    ].join('\n');
    execFileSync('python3', ['-c', py, evil, outside]);
    const out = join(work, 'draft-evil');
    await expect(
      draftRecipe([pathToFileURL(evil).href], { outputDir: out, lookup: false }),
    ).rejects.toMatchObject({
      code: 'BUILD_DRAFT_FAILED',
      message: expect.stringMatching(/cannot unpack .*evil-1\.0\.tar/),
    });
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(work, 'escape'))).toBe(false);
    expect(existsSync(join(out, 'stone.yaml'))).toBe(false);
  });

  it('fails with a typed error and writes nothing for a URL that is not there', async () => {
    const out = join(work, 'draft-missing');
    await expect(
      draftRecipe([pathToFileURL(join(work, 'nope-1.0.tar.gz')).href], { outputDir: out, lookup: false }),
    ).rejects.toMatchObject({
      code: 'BUILD_UPSTREAM_FETCH_FAILED',
    });
    expect(() => readFileSync(join(out, 'stone.yaml'))).toThrow();
  });
});
