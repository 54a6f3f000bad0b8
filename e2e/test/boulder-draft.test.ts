import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { plainEnv, REPO } from './support/paths.js';

// `boulder recipe new` on local upstream archives of each build system it recognises, then
// `boulder build --host` of the draft as written: a person's first two commands for a new
// package. Drafts get `--toolchain gnu`: this machine's clang cannot build with boulder's
// default LLVM flags (no zstd debug compression, no lld for thin LTO).
const BOULDER = join(REPO, 'tools', 'boulder', 'bin', 'boulder.js');
const FIXTURES = join(REPO, 'e2e', 'fixtures');
const has = (cmd: string) => spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0;
const userns = has('unshare --user --map-root-user --mount --pid --fork true');
const skip = !existsSync(join(REPO, 'tools/boulder/dist/main.js'))
  ? 'tools/boulder is not built'
  : !userns
    ? 'user namespaces are not available'
    : undefined;
if (skip) console.warn(`skipping boulder draft e2e: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'boulder-draft-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const boulder = (...args: string[]) =>
  spawnSync(process.execPath, [BOULDER, ...args, '--cache-dir', join(work, 'cache')], {
    encoding: 'utf8',
    env: plainEnv(),
    maxBuffer: 1 << 26,
  });

interface Case {
  readonly system: string;
  /** The project's files and the `<name>-<version>` its archive unpacks to. */
  readonly src: string;
  readonly archive: string;
  /** What a host build needs, checked on /usr (the build sees only /usr). */
  readonly needs: string;
  /** Lines the draft must have. */
  readonly draft: readonly string[];
  /** A file (below /usr) the main package must carry. */
  readonly file: RegExp;
}

const CASES: Case[] = [
  {
    system: 'autotools',
    src: 'boulder/autotools/src',
    archive: 'hello-autotools-1.2.0',
    needs: 'test -x /usr/bin/make && test -x /usr/bin/gcc',
    draft: [
      'setup       : |\n    %configure\n',
      'build       : |\n    %make\n',
      'install     : |\n    %make_install\n',
    ],
    file: /^bin\/hello-autotools$/,
  },
  {
    system: 'cmake',
    src: 'boulder/cmake/src',
    archive: 'greetc-2.1.0',
    needs: 'test -x /usr/bin/cmake && test -x /usr/bin/ninja',
    draft: ['setup       : |\n    %cmake\n', 'install     : |\n    %cmake_install\n'],
    file: /^bin\/greet-cmake$/,
  },
  {
    system: 'meson',
    src: 'boulder/meson/src',
    archive: 'greetm-0.3.0',
    needs: 'test -x /usr/bin/meson && pkg-config --exists zlib',
    draft: ['builddeps   :\n    - pkgconfig(zlib)\n', 'setup       : |\n    %meson\n'],
    file: /^bin\/greet-meson$/,
  },
  {
    system: 'cargo',
    src: 'draft/cargo',
    archive: 'hello-cargo-1.0.0',
    needs: 'test -x /usr/bin/cargo',
    draft: [
      'networking  : true\n',
      'license     : MPL-2.0\n',
      'summary     : Says hello, built with cargo\n',
      'setup       : |\n    %cargo_fetch\n',
      'check       : |\n    %cargo_test\n',
    ],
    file: /^bin\/hello-cargo$/,
  },
  {
    system: 'python-pep517',
    src: 'draft/python',
    archive: 'hello-draft-1.0',
    needs: '/usr/bin/python3 -c "import build, installer, setuptools, wheel"',
    draft: [
      'builddeps   :\n    - python(setuptools)\n    - python(wheel)\n',
      'build       : |\n    %pyproject_build\n',
    ],
    file: /hello_draft-1\.0\.dist-info\/METADATA$/,
  },
  {
    system: 'perl',
    src: 'draft/perl',
    archive: 'hello-perl-1.0',
    needs: 'test -x /usr/bin/perl && /usr/bin/perl -MExtUtils::MakeMaker -e 1',
    draft: ['setup       : |\n    %perl_setup\n', 'install     : |\n    %make_install\n'],
    file: /Hello\/Perl\.pm$/,
  },
  {
    system: 'make',
    src: 'draft/make',
    archive: 'hello-make-1.0',
    needs: 'test -x /usr/bin/make && test -x /usr/bin/gcc',
    draft: ['build       : |\n    %make\n', 'install     : |\n    %make_install PREFIX="%(prefix)"\n'],
    file: /^bin\/hello-make$/,
  },
];

describe.skipIf(skip !== undefined)('boulder recipe new, then boulder build --host of the draft', () => {
  for (const c of CASES) {
    const missing = !has(c.needs);
    if (missing) console.warn(`skipping the ${c.system} draft build: this host lacks it (${c.needs})`);
    it.skipIf(missing)(
      `${c.system}: ${c.archive}`,
      async () => {
        const stage = join(work, c.system, 'stage');
        cpSync(join(FIXTURES, c.src), join(stage, c.archive), { recursive: true });
        const tarball = join(work, c.system, `${c.archive}.tar.gz`);
        execFileSync('tar', ['-czf', tarball, '-C', stage, c.archive]);
        const dir = join(work, c.system, 'recipe');
        const drafted = boulder(
          'recipe',
          'new',
          '-o',
          dir,
          '--no-lookup',
          '--toolchain',
          'gnu',
          pathToFileURL(tarball).href,
        );
        expect(drafted.stderr).not.toContain('error');
        expect(drafted.status).toBe(0);
        expect(drafted.stdout).toContain(`, ${c.system}, `);
        const text = readFileSync(join(dir, 'stone.yaml'), 'utf8');
        const [name, version] = [c.archive.replace(/-[\d.]+$/, ''), c.archive.replace(/^.*-/, '')];
        expect(text).toContain(`name        : ${name}\nversion     : "${version}"\nrelease     : 1\n`);
        for (const line of c.draft) expect(text).toContain(line);
        expect(readFileSync(join(dir, 'monitoring.yaml'), 'utf8')).toContain('releases:\n');

        const out = join(work, c.system, 'out');
        mkdirSync(out);
        const built = boulder('build', '--host', '-q', '-o', out, dir);
        expect(built.stdout + built.stderr).toContain('Build finished successfully');
        expect(built.status).toBe(0);
        const main = readdirSync(out).find((f) => f.startsWith(`${name}-${version}-1-1-`))!;
        const s = await StoneReader.open(join(out, main));
        try {
          await s.verify();
          expect((await s.layout()).map((l) => l.target).some((t) => c.file.test(t))).toBe(true);
        } finally {
          await s.close();
        }
      },
      300_000,
    );
  }
});
