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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { probeContainer } from '@serpent/container';
import { formatDependency, StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BuildEvent,
  type BuildPlan,
  defaultPackages,
  mergePackages,
  openBuildShell,
  runBuild,
  workspaceOf,
} from '../src/index.ts';

const probe = probeContainer();
if (!probe.ok) console.warn(`skipping build tests: ${probe.reason}`);

const dir = mkdtempSync(join(tmpdir(), 'run-build-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sourceTarball(): { uri: string; hash: string } {
  const tree = join(dir, 'tree', 'greet-1.0');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'greet.h'), 'const char *greet(void);\n');
  writeFileSync(join(tree, 'greet.c'), '#include "greet.h"\nconst char *greet(void) { return "hello"; }\n');
  writeFileSync(
    join(tree, 'main.c'),
    '#include <stdio.h>\n#include "greet.h"\nint main(void) { puts(greet()); return 0; }\n',
  );
  writeFileSync(
    join(tree, 'greet.pc'),
    'prefix=/usr\nName: greet\nVersion: 1.0\nRequires.private: zlib >= 1.2\nLibs: -lgreet\n',
  );
  const tarball = join(dir, 'greet-1.0.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', join(dir, 'tree'), 'greet-1.0']);
  return {
    uri: pathToFileURL(tarball).href,
    hash: createHash('sha256').update(readFileSync(tarball)).digest('hex'),
  };
}

function plan(upstream: { uri: string; hash: string }, build: string): BuildPlan {
  const { packages, rules } = mergePackages(defaultPackages('greet', 'Greets'), []);
  return {
    name: 'greet',
    version: '1.0',
    release: 3,
    homepage: 'https://example.org/greet',
    licenses: ['MIT', 'Apache-2.0'],
    summary: 'Greets',
    description: 'Says hello.',
    upstreams: [{ kind: 'plain', ...upstream }],
    networking: false,
    targets: [
      {
        target: 'x86_64',
        phases: [
          { name: 'build', script: `set -e\n${build}` },
          {
            name: 'install',
            script: [
              'set -e',
              'D=/mason/install',
              'install -Dm755 greet $D/usr/bin/greet',
              'install -Dm755 libgreet.so.1.0 $D/usr/lib/libgreet.so.1.0',
              'ln -s libgreet.so.1.0 $D/usr/lib/libgreet.so.1',
              'ln -s libgreet.so.1 $D/usr/lib/libgreet.so',
              'install -Dm644 greet.h $D/usr/include/greet.h',
              'install -Dm644 greet.pc $D/usr/lib/pkgconfig/greet.pc',
              'mkdir -p $D/usr/lib/cmake/Greet && echo "# cmake" > $D/usr/lib/cmake/Greet/GreetConfig.cmake',
              'echo "libtool" > $D/usr/lib/libgreet.la',
              'install -Dm644 greet.h $D/etc/greet.conf',
              'echo "größer" >&2',
              'printf "the end"',
            ].join('\n'),
          },
        ],
      },
    ],
    packages,
    rules,
    buildDeps: ['pkgconfig(zlib)', 'binary(gcc)'],
    architecture: 'x86_64',
    toolchain: 'gnu',
  };
}

const BUILD = [
  'cc -shared -fPIC -Wl,-soname,libgreet.so.1 -o libgreet.so.1.0 greet.c',
  'ln -sf libgreet.so.1.0 libgreet.so',
  'cc -o greet main.c -L. -lgreet',
].join('\n');

describe.skipIf(!probe.ok)('runBuild in host mode', () => {
  it('builds a library and its -devel split into valid stones and manifests, making a missing output dir', async () => {
    const out = join(dir, 'out', 'made', 'for-it');
    const events: BuildEvent[] = [];
    const up = sourceTarball();
    const result = await runBuild(plan(up, BUILD), {
      recipeDir: dir,
      outputDir: out,
      cacheDir: join(dir, 'cache'),
      root: 'host',
      onEvent: (e) => events.push(e),
      level: 3,
    });
    expect(readdirSync(out).sort()).toEqual([
      'greet-1.0-3-1-x86_64.stone',
      'greet-dbginfo-1.0-3-1-x86_64.stone',
      'greet-devel-1.0-3-1-x86_64.stone',
      'manifest.x86_64.bin',
      'manifest.x86_64.jsonc',
    ]);
    expect(result.timings.map((t) => t.phase)).toEqual(['prepare', 'build', 'install', 'strip']);
    // Debug info split off by build-id and linked back; the installed binary stripped.
    const sections = execFileSync('readelf', ['-SW', join(result.workDir, 'install/usr/bin/greet')], {
      encoding: 'utf8',
    });
    expect(sections).toContain('.gnu_debuglink');
    expect(sections).not.toContain('.symtab');
    const dbg = await StoneReader.open(join(out, 'greet-dbginfo-1.0-3-1-x86_64.stone'));
    const dbgTargets = (await dbg.layout()).map((l) => l.target);
    await dbg.close();
    expect(dbgTargets.length).toBe(2); // the program and the library
    expect(dbgTargets.every((t) => /^lib\/debug\/\.build-id\/[0-9a-f]{2}\/[0-9a-f]+\.debug$/.test(t))).toBe(
      true,
    );
    for (const t of result.timings) expect(existsSync(t.log)).toBe(true);
    expect(events.find((e) => e.type === 'warning')).toMatchObject({ paths: ['/etc/greet.conf'] });
    // Output comes in whole lines per stream, the unterminated last one too, before phase-end.
    const install = events.filter((e) => 'phase' in e && e.phase === 'install');
    expect(install.filter((e) => e.type === 'phase-output').map((e) => [e.stream, e.text])).toEqual([
      ['stderr', 'größer\n'],
      ['stdout', 'the end'],
    ]);
    expect(install.at(-1)?.type).toBe('phase-end');

    const main = await StoneReader.open(join(out, 'greet-1.0-3-1-x86_64.stone'));
    await main.verify();
    const meta = await main.meta();
    const layout = await main.layout();
    await main.close();
    expect(meta.licenses).toEqual(['Apache-2.0', 'MIT']);
    const provides = meta.provides.map(formatDependency);
    expect(provides).toEqual(['binary(greet)', 'soname(libgreet.so.1(x86_64))']);
    const depends = meta.depends.map(formatDependency);
    expect(depends).toContain('soname(libc.so.6(x86_64))');
    expect(depends.some((d) => d.startsWith('interpreter(') && d.includes('ld-linux-x86-64.so.2'))).toBe(
      true,
    );
    expect(depends).not.toContain('soname(libgreet.so.1(x86_64))');
    expect(layout.map((l) => l.target).sort()).toEqual([
      'bin/greet',
      'lib/libgreet.so.1',
      'lib/libgreet.so.1.0',
    ]);
    expect(layout.every((l) => l.uid === 0 && l.gid === 0)).toBe(true);

    const devel = await StoneReader.open(join(out, 'greet-devel-1.0-3-1-x86_64.stone'));
    await devel.verify();
    const dmeta = await devel.meta();
    const dlayout = await devel.layout();
    await devel.close();
    expect(dmeta.provides.map(formatDependency)).toEqual(['cmake(Greet)', 'pkgconfig(greet)']);
    expect(dmeta.depends.map(formatDependency)).toEqual(['name(greet)', 'pkgconfig(zlib)']);
    expect(dmeta.summary).toBe('Development files for greet');
    expect(dlayout.map((l) => l.target).sort()).toEqual([
      'include/greet.h',
      'lib/cmake/Greet/GreetConfig.cmake',
      'lib/libgreet.so',
      'lib/pkgconfig/greet.pc',
    ]);

    const manifest = await StoneReader.open(join(out, 'manifest.x86_64.bin'));
    const metas = await manifest.metas();
    await manifest.close();
    // -dbginfo stays out of the manifests.
    expect(metas.map((m) => [m.name, m.buildRelease])).toEqual([
      ['greet', 0],
      ['greet-devel', 0],
    ]);
    expect(metas[0]!.buildDepends?.map(formatDependency)).toEqual(['binary(gcc)', 'pkgconfig(zlib)']);
    const jsonc = readFileSync(join(out, 'manifest.x86_64.jsonc'), 'utf8');
    expect(jsonc.split('\n')[0]).toBe('/** Human readable report. This is not consumed by boulder */');
    const doc = JSON.parse(jsonc.slice(jsonc.indexOf('\n')));
    expect(doc.packages['greet-devel'].depends).toEqual(['greet', 'pkgconfig(zlib)']);
    expect(doc.packages.greet.files).toEqual([
      '/usr/bin/greet',
      '/usr/lib/libgreet.so.1',
      '/usr/lib/libgreet.so.1.0',
    ]);
    expect(doc['source-release']).toBe('3');
  });

  it('stops at a failing phase with a short summary of what failed and where', async () => {
    const out = join(dir, 'out-fail');
    mkdirSync(out);
    const err = await runBuild(
      plan(sourceTarball(), `${BUILD}\ncc -o broken missing.c -lnothere\necho after`),
      {
        recipeDir: dir,
        outputDir: out,
        cacheDir: join(dir, 'cache'),
        root: 'host',
      },
    ).catch((e) => e);
    expect(err.code).toBe('BUILD_PHASE_FAILED');
    expect(err.details).toMatchObject({ phase: 'build', target: 'x86_64', status: 1 });
    expect(err.message).toContain('missing.c: No such file or directory');
    expect(err.message).toMatch(/full log: .*x86_64-1-build\.log/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses a bad upstream hash before any phase runs', async () => {
    const out = join(dir, 'out-hash');
    mkdirSync(out);
    const up = sourceTarball();
    const events: BuildEvent[] = [];
    const err = await runBuild(plan({ ...up, hash: '0'.repeat(64) }, BUILD), {
      recipeDir: dir,
      outputDir: out,
      cacheDir: join(dir, 'cache-hash'),
      root: 'host',
      onEvent: (e) => events.push(e),
    }).catch((e) => e);
    expect(err.code).toBe('BUILD_UPSTREAM_HASH_MISMATCH');
    expect(events.some((e) => e.type === 'phase-start')).toBe(false);
    expect(existsSync(join(dir, 'cache-hash', 'build'))).toBe(false);
  });

  it('refuses an output path that is a file, before any work, and changes nothing', async () => {
    const file = join(dir, 'out-is-a-file');
    writeFileSync(file, 'x');
    const events: BuildEvent[] = [];
    const err = await runBuild(plan(sourceTarball(), BUILD), {
      recipeDir: dir,
      outputDir: file,
      cacheDir: join(dir, 'cache-file'),
      root: 'host',
      onEvent: (e) => events.push(e),
    }).catch((e) => e);
    expect(err.code).toBe('BUILD_OUTPUT_MISSING');
    expect(err.hint).toContain('a missing one is created');
    expect(events).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('openBuildShell', () => {
  it('refuses a root without bash before starting anything', async () => {
    const root = join(dir, 'no-bash-root');
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    await expect(
      openBuildShell({
        spec: { root },
        ws: workspaceOf(join(dir, 'cache-shell'), { name: 'x', version: '1', release: 1 }),
        target: 'x86_64',
        profile: '',
        cwd: '/',
      }),
    ).rejects.toMatchObject({
      code: 'BUILD_ROOT_UNAVAILABLE',
      message: expect.stringContaining('has no bash'),
    });
  });
});
