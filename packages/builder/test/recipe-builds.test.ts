import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { probeContainer } from '@serpent/container';
import { formatDependency, StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecipe, type RecipeBuildEvent } from '../src/index.ts';

// Whole recipes built on this machine's tools (`boulder build --host`): PGO with GCC and with
// clang, emul32 with gcc's multilib, and the python() analysis, each on a small project of ours
// in test/fixtures/projects.
const PROJECTS = fileURLToPath(new URL('./fixtures/projects/', import.meta.url));
const probe = probeContainer();
const has = (cmd: string) => spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0;
const skipAll = probe.ok ? undefined : probe.reason;
if (skipAll) console.warn(`skipping recipe builds: ${skipAll}`);

const work = mkdtempSync(join(tmpdir(), 'recipe-builds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Packs a fixture project as `<name>-1.0.tar.gz` and writes `recipe` (with @UPSTREAM@) beside it. */
function recipeFor(project: string, name: string, recipe: string): string {
  const dir = join(work, name);
  cpSync(join(PROJECTS, project), join(dir, 'tree', `${name}-1.0`), { recursive: true });
  const tarball = join(dir, `${name}-1.0.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', join(dir, 'tree'), `${name}-1.0`]);
  const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  mkdirSync(join(dir, 'recipe'));
  const head = `name: ${name}\nversion: "1.0"\nrelease: 1\nhomepage: https://example.org/${name}\nlicense: MPL-2.0\nsummary: A test\ndescription: A test.\nupstreams:\n    - ${pathToFileURL(tarball).href} : ${sha}\n`;
  writeFileSync(join(dir, 'recipe', 'stone.yaml'), head + recipe);
  return join(dir, 'recipe');
}

async function build(recipe: string, breakpoints: 'shell' | 'ignore' = 'shell') {
  const out = join(recipe, '..', 'out');
  mkdirSync(out, { recursive: true });
  const events: RecipeBuildEvent[] = [];
  const result = await buildRecipe({
    recipe,
    outputDir: out,
    cacheDir: join(work, 'cache'),
    root: 'host',
    jobs: 2,
    level: 3,
    breakpoints,
    onEvent: (e) => events.push(e),
  });
  const log = (stage: string, phase: string) =>
    readFileSync(result.timings.find((t) => t.stage === stage && t.phase === phase)!.log, 'utf8');
  return { result, events, out, log };
}

async function stone(path: string) {
  const s = await StoneReader.open(path);
  try {
    await s.verify();
    const meta = await s.meta();
    return {
      meta,
      files: (await s.layout()).map((l) => l.target).sort(),
      provides: meta.provides.map(formatDependency),
      depends: meta.depends.map(formatDependency),
    };
  } finally {
    await s.close();
  }
}

const PGO = `build: |
    %(cc) $CFLAGS -o pgo-hello hello.c $LDFLAGS
workload: |
    ./pgo-hello 20000
install: |
    install -Dm00755 pgo-hello %(installroot)%(bindir)/pgo-hello
`;

describe.skipIf(skipAll !== undefined)('PGO', () => {
  it('GNU: instrumented build, workload, then a build that uses the profile', async () => {
    // -Werror=missing-profile: the optimised build fails unless GCC found the workload's .gcda.
    const recipe = recipeFor(
      'pgo',
      'pgo-gnu',
      `toolchain: gnu\n${PGO.replace('$CFLAGS', '$CFLAGS -Werror=missing-profile')}`,
    );
    const { result, log, events } = await build(recipe);
    expect(result.timings.map((t) => `${t.stage}:${t.phase}`)).toEqual([
      'one:prepare',
      'one:build',
      'one:workload',
      'use:prepare',
      'use:build',
      'use:install',
      'none:strip',
    ]);
    expect(
      events.filter((e) => e.type === 'job-start').map((e) => e.type === 'job-start' && e.stage),
    ).toEqual(['one', 'use']);
    expect(log('one', 'build')).toContain('-fprofile-generate -fprofile-dir=/mason/build/x86_64-pgo/IR');
    expect(log('use', 'build')).toContain('-fprofile-use -fprofile-dir=/mason/build/x86_64-pgo/IR');
    const gcda = readdirSync(join(result.workDir, 'build', 'x86_64-pgo', 'IR')).filter((f) =>
      f.endsWith('.gcda'),
    );
    expect(gcda.length).toBeGreaterThan(0);
    // The instrumented objects did not survive into the optimised build: its sources were fresh.
    expect(readdirSync(join(result.workDir, 'build', 'x86_64', 'pgo-gnu-1.0.tar.gz'))).not.toContain(
      'hello.gcda',
    );
    const main = await stone(result.packages.find((p) => p.name === 'pgo-gnu')!.path);
    expect(main.files).toEqual(['bin/pgo-hello']);
  }, 300_000);

  it('stops when the workload leaves no profile data, naming the stage', async () => {
    const recipe = recipeFor(
      'pgo',
      'pgo-none',
      `toolchain: gnu\n${PGO.replace('./pgo-hello 20000', 'true')}`,
    );
    await expect(build(recipe)).rejects.toMatchObject({
      code: 'BUILD_PGO_NO_PROFILE',
      message: expect.stringContaining('(x86_64, PGO one) left no profile data'),
    });
  }, 300_000);

  // Debian's clang 14 has no zstd debug compression and links with ld.bfd (no thin LTO, no ICF).
  const clang = has('command -v clang && command -v llvm-profdata');
  it.skipIf(!clang)(
    'LLVM with cspgo: stage one, stage two, then the merged profile',
    async () => {
      const tuning = 'tuning:\n    - lto: false\n    - icf: no\n    - compress-debug: zlib\n';
      const recipe = recipeFor('pgo', 'pgo-llvm', `cspgo: true\n${tuning}${PGO}`);
      const { result, log } = await build(recipe);
      expect(result.timings.filter((t) => t.phase === 'workload').map((t) => t.stage)).toEqual([
        'one',
        'two',
      ]);
      expect(log('one', 'build')).toContain('-fprofile-generate=/mason/build/x86_64-pgo/IR');
      expect(log('one', 'workload')).toContain('llvm-profdata merge');
      expect(log('two', 'build')).toContain('-fcs-profile-generate=/mason/build/x86_64-pgo/CS');
      expect(log('use', 'build')).toContain('-fprofile-use=/mason/build/x86_64-pgo/combined.profdata');
      const pgo = readdirSync(join(result.workDir, 'build', 'x86_64-pgo'));
      expect(pgo).toEqual(expect.arrayContaining(['ir.profdata', 'combined.profdata', 'IR', 'CS']));
    },
    300_000,
  );
});

describe.skipIf(skipAll !== undefined)('breakpoints ignored (CI)', () => {
  it('builds straight through %break_exit and %break_continue, with no shell', async () => {
    const recipe = recipeFor(
      'pgo',
      'bp-ignored',
      'toolchain: gnu\nbuild: |\n    %(cc) -o pgo-hello hello.c %break_exit\n    ./pgo-hello 3 > out.txt\n    %break_continue\ninstall: |\n    %install_file out.txt %(installroot)%(datadir)/bp/out.txt\n',
    );
    const { result, events } = await build(recipe, 'ignore');
    expect(events.some((e) => e.type === 'breakpoint')).toBe(false);
    expect(result.timings.filter((t) => t.phase === 'build')).toHaveLength(1);
    expect(readFileSync(join(result.workDir, 'install/usr/share/bp/out.txt'), 'utf8')).toBe('8\n'); // collatz steps of 1, 2, 3
  }, 300_000);
});

const multilib = has('printf "int main(void){return 0;}" | gcc -m32 -x c - -o /dev/null');
if (!multilib) console.warn('skipping the emul32 build: gcc -m32 cannot link here (install gcc-multilib)');

describe.skipIf(skipAll !== undefined || !multilib)('emul32', () => {
  it('builds 32-bit first into /usr/lib32 and splits it into -32bit packages', async () => {
    const recipe = recipeFor(
      'emul32',
      'hello32',
      `toolchain: gnu
emul32: true
build: |
    %(cc) $CFLAGS -fPIC -shared -Wl,-soname,libhello32.so.1 -o libhello32.so.1 hello.c $LDFLAGS
    sed 's|@LIBDIR@|%(libdir)|' hello32.pc.in > hello32.pc
install: |
    install -Dm00755 libhello32.so.1 %(installroot)%(libdir)/libhello32.so.1
    ln -s libhello32.so.1 %(installroot)%(libdir)/libhello32.so
    install -Dm00644 hello32.pc %(installroot)%(libdir)/pkgconfig/hello32.pc
`,
    );
    const { result, log } = await build(recipe);
    expect(result.timings.filter((t) => t.phase === 'build').map((t) => t.target)).toEqual([
      'emul32/x86_64',
      'x86_64',
    ]);
    expect(log('none', 'build')).toContain('gcc -m32');
    const byName = new Map(
      await Promise.all(result.packages.map(async (p) => [p.name, await stone(p.path)] as const)),
    );
    expect([...byName.keys()].sort()).toEqual([
      'hello32',
      'hello32-32bit',
      'hello32-32bit-dbginfo',
      'hello32-32bit-devel',
      'hello32-dbginfo',
      'hello32-devel',
    ]);
    const b32 = byName.get('hello32-32bit')!;
    expect(b32.files).toEqual(['lib32/libhello32.so.1']);
    expect(b32.provides).toEqual(['soname(libhello32.so.1(386))']);
    expect(b32.depends).toEqual(expect.arrayContaining(['name(hello32)', 'soname(libc.so.6(386))']));
    expect(byName.get('hello32-32bit-devel')!.files).toEqual([
      'lib32/libhello32.so',
      'lib32/pkgconfig/hello32.pc',
    ]);
    expect(byName.get('hello32-32bit-devel')!.provides).toEqual(['pkgconfig32(hello32)']);
    expect(byName.get('hello32')!.provides).toEqual(['soname(libhello32.so.1(x86_64))']);
    expect(
      byName.get('hello32-32bit-dbginfo')!.files.every((f) => f.startsWith('lib32/debug/.build-id/')),
    ).toBe(true);
    const elf = execFileSync('file', ['-L', join(result.workDir, 'install/usr/lib32/libhello32.so.1')], {
      encoding: 'utf8',
    });
    expect(elf).toContain('ELF 32-bit');
  }, 300_000);
});

const pythonTools = has('/usr/bin/python3 -c "import build, installer, setuptools, wheel, packaging"');
if (!pythonTools)
  console.warn('skipping the python() build: /usr/bin/python3 lacks build, installer or packaging');

describe.skipIf(skipAll !== undefined || !pythonTools)('python() analysis', () => {
  it('provides python(name) and python(name(X.Y)) and depends on the requirements that apply', async () => {
    const recipe = recipeFor(
      'python',
      'hello-py',
      'build: |\n    %pyproject_build\ninstall: |\n    %pyproject_install\n',
    );
    const { result } = await build(recipe);
    const version = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      {
        encoding: 'utf8',
      },
    ).trim();
    const main = await stone(result.packages.find((p) => p.name === 'hello-py')!.path);
    expect(main.files.some((f) => /hello_py-1\.0\.dist-info\/METADATA$/i.test(f))).toBe(true);
    expect(main.provides).toEqual(
      expect.arrayContaining(['python(hello-py)', `python(hello-py(${version}))`]),
    );
    // `tomli` only below Python 3, `rich` only with the `fancy` extra: neither applies.
    expect(main.depends.filter((d) => d.startsWith('python('))).toEqual([`python(packaging(${version}))`]);
  }, 300_000);
});
