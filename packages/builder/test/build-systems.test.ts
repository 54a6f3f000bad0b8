import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { probeContainer } from '@serpent/container';
import { formatDependency, StoneReader } from '@serpent/stone';
import { extractStone } from '@serpent/vfs';
import { afterAll, describe, expect, it } from 'vitest';
import { type BuildPhase, defaultPackages, mergePackages, runBuild } from '../src/index.ts';

// The e2e fixtures (small C projects, one per build system), built through the library with
// phase scripts written out by hand the way boulder's %configure/%cmake/%meson macros expand.
const FIXTURES = fileURLToPath(new URL('../../../e2e/fixtures/boulder/', import.meta.url));
const tools = ['cc', 'make', 'cmake', 'ninja', 'meson', 'pkg-config'];
const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const probe = probeContainer();
const skip = !probe.ok
  ? probe.reason
  : missing.length > 0
    ? `missing tools: ${missing.join(', ')}`
    : undefined;
if (skip) console.warn(`skipping build-system tests: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'build-systems-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ENV = [
  'set -e',
  'export CFLAGS="-O2 -g -pipe -fPIC" LDFLAGS="-Wl,--as-needed" CC=gcc',
  'export PKG_CONFIG_PATH=/usr/lib/pkgconfig:/usr/share/pkgconfig',
].join('\n');
const P = (name: BuildPhase['name'], script: string): BuildPhase => ({ name, script: `${ENV}\n${script}\n` });

const SYSTEMS: Record<string, { name: string; version: string; phases: BuildPhase[] }> = {
  autotools: {
    name: 'hello-autotools',
    version: '1.2.0',
    phases: [
      P('setup', './configure --prefix=/usr --libdir=/usr/lib --sysconfdir=/etc'),
      P('build', 'make -j2'),
      P('install', 'make install DESTDIR=/mason/install'),
    ],
  },
  cmake: {
    name: 'greetc',
    version: '2.1.0',
    phases: [
      P(
        'setup',
        'cmake -G Ninja -S . -B serpent_builddir -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_BUILD_TYPE=Release',
      ),
      P('build', 'ninja -v -j2 -C serpent_builddir'),
      P('install', 'DESTDIR=/mason/install ninja install -C serpent_builddir'),
    ],
  },
  meson: {
    name: 'greetm',
    version: '0.3.0',
    phases: [
      P('setup', 'meson setup --prefix=/usr --buildtype=plain --libdir=lib serpent_builddir'),
      P('build', 'meson compile -v -j 2 -C serpent_builddir'),
      P('install', 'DESTDIR=/mason/install meson install --no-rebuild -C serpent_builddir'),
    ],
  },
};

async function build(system: string) {
  const s = SYSTEMS[system]!;
  const stage = join(work, system, 'stage');
  cpSync(join(FIXTURES, system, 'src'), join(stage, `${s.name}-${s.version}`), { recursive: true });
  const tarball = join(work, system, `${s.name}-${s.version}.tar.xz`);
  execFileSync('tar', ['-cJf', tarball, '-C', stage, `${s.name}-${s.version}`]);
  const out = join(work, system, 'out');
  mkdirSync(out);
  const { packages, rules } = mergePackages(defaultPackages(s.name, 'fixture'), []);
  await runBuild(
    {
      name: s.name,
      version: s.version,
      release: 1,
      homepage: 'https://example.org',
      licenses: ['MPL-2.0'],
      summary: 'fixture',
      description: 'fixture',
      upstreams: [
        {
          kind: 'plain',
          uri: pathToFileURL(tarball).href,
          hash: createHash('sha256').update(readFileSync(tarball)).digest('hex'),
        },
      ],
      networking: false,
      targets: [{ target: 'x86_64', phases: s.phases }],
      packages,
      rules,
      buildDeps: [],
      architecture: 'x86_64',
      toolchain: 'gnu',
    },
    {
      recipeDir: join(FIXTURES, system),
      outputDir: out,
      cacheDir: join(work, 'cache'),
      root: 'host',
      level: 3,
    },
  );
  const stones: Record<string, { provides: string[]; depends: string[]; files: string[] }> = {};
  for (const f of readdirSync(out).filter((n) => n.endsWith('.stone'))) {
    const r = await StoneReader.open(join(out, f));
    await r.verify();
    const meta = await r.meta();
    stones[meta.name] = {
      provides: meta.provides.map(formatDependency),
      depends: meta.depends.map(formatDependency),
      files: (await r.layout()).map((l) => `/usr/${l.target}`).sort(),
    };
    await r.close();
  }
  // Install the non-debug packages into a fresh root and run the program from there
  // (extractStone wants an empty dir per package; the e2e tests install with moss).
  const root = join(work, system, 'root');
  mkdirSync(root);
  for (const f of readdirSync(out).filter((n) => n.endsWith('.stone') && !n.includes('-dbginfo-'))) {
    const one = join(work, system, `x-${f}`);
    await extractStone(join(out, f), one);
    execFileSync('cp', ['-a', `${one}/.`, root]);
  }
  return { stones, root };
}

const run = (root: string, program: string) =>
  execFileSync(join(root, 'usr', 'bin', program), {
    encoding: 'utf8',
    env: { LD_LIBRARY_PATH: join(root, 'usr', 'lib') },
  });

describe.skipIf(skip !== undefined)('real build systems in host mode', () => {
  it('autotools: configure, make, make install', async () => {
    const { stones, root } = await build('autotools');
    expect(Object.keys(stones).sort()).toEqual(['hello-autotools', 'hello-autotools-dbginfo']);
    expect(stones['hello-autotools']!.provides).toEqual(['binary(hello-autotools)']);
    expect(stones['hello-autotools']!.files).toEqual([
      '/usr/bin/hello-autotools',
      '/usr/share/man/man1/hello-autotools.1',
    ]);
    expect(run(root, 'hello-autotools')).toBe('hello from autotools 1.2.0\n');
  }, 180_000);

  it('cmake: a library split from its -devel files, and a program using it', async () => {
    const { stones, root } = await build('cmake');
    const main = stones.greetc!;
    const devel = stones['greetc-devel']!;
    expect(main.provides).toEqual(['binary(greet-cmake)', 'soname(libgreetc.so.2(x86_64))']);
    expect(main.files).toEqual([
      '/usr/bin/greet-cmake',
      '/usr/lib/libgreetc.so.2',
      '/usr/lib/libgreetc.so.2.1.0',
    ]);
    expect(main.depends).toContain('soname(libc.so.6(x86_64))');
    expect(main.depends).not.toContain('soname(libgreetc.so.2(x86_64))');
    expect(devel.provides).toEqual(['cmake(Greetc)', 'pkgconfig(greetc)']);
    expect(devel.depends).toEqual(['name(greetc)']);
    expect(devel.files).toContain('/usr/include/greetc.h');
    expect(devel.files).toContain('/usr/lib/libgreetc.so');
    expect(run(root, 'greet-cmake')).toBe('hello from cmake\n');
    expect(existsSync(join(root, 'usr', 'lib', 'pkgconfig', 'greetc.pc'))).toBe(true);
  }, 180_000);

  it('meson: soname and pkg-config dependencies on zlib', async () => {
    const { stones, root } = await build('meson');
    const main = stones.greetm!;
    expect(main.provides).toEqual(['binary(greet-meson)', 'soname(libgreetm.so.0(x86_64))']);
    expect(main.depends).toContain('soname(libz.so.1(x86_64))');
    expect(stones['greetm-devel']!.provides).toEqual(['pkgconfig(greetm)']);
    expect(stones['greetm-devel']!.depends).toEqual(['name(greetm)', 'pkgconfig(zlib)']);
    expect(run(root, 'greet-meson')).toBe('hello from meson 3610a686\n');
  }, 180_000);
});
