import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { MOSS, plainEnv, REPO } from './support/paths.js';
import { HAVE_SCRIPT, PtySession } from './support/pty.js';
import { makeStone } from './support/stones.js';

// boulder build -p PROFILE: the build root is made by moss's engine from the profile's
// repository through boulder's moss dir (`install --to`: hard links into its store), here a
// repository holding a stand-in "host-tools" package (the host's dash, bash, env, mkdir and
// chmod with the libraries they load) under one stand-in package per base and toolchain name,
// and the recipe's phases run inside it. A second build keeps the root; `boulder chroot` opens
// a shell in it, read-only like every phase (its /usr is the shared store).
const BOULDER = join(REPO, 'tools', 'boulder', 'bin', 'boulder.js');
const TOOLS = ['/bin/dash', '/bin/bash', '/usr/bin/env', '/usr/bin/mkdir', '/usr/bin/chmod'];
const BASE = [
  'bash',
  'boulder',
  'coreutils',
  'dash',
  'diffutils',
  'findutils',
  'gawk',
  'glibc-devel',
  'grep',
  'layout',
  'libarchive',
  'linux-headers',
  'pkgconf',
  'sed',
  'util-linux',
  'binutils',
  'gcc',
  'g++',
  'clang',
];
const userns =
  spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true']).status === 0;
const skip = !existsSync(join(REPO, 'tools/boulder/dist/main.js'))
  ? 'tools/boulder is not built'
  : !userns
    ? 'user namespaces are not available'
    : TOOLS.some((t) => !existsSync(t))
      ? `this host lacks one of ${TOOLS.join(', ')}`
      : undefined;
if (skip) console.warn(`skipping boulder profile build-root e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'boulder-profile-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function librariesOf(bins: readonly string[]): string[] {
  const out = execFileSync('ldd', bins, { encoding: 'utf8' });
  const libs = new Set<string>();
  for (const m of out.matchAll(/=> (\/\S+)/g)) libs.add(m[1]!);
  for (const m of out.matchAll(/^\s+(\/\S*ld-linux\S*)/gm)) libs.add(m[1]!);
  return [...libs];
}

describe.skipIf(skip !== undefined)('boulder build in a root installed from a profile', () => {
  it('installs the build dependencies with moss and runs the phases in that root', async () => {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    const files: Record<string, { path: string; mode: number }> = {
      'bin/sh': { path: realpathSync('/bin/dash'), mode: 0o755 },
      'bin/env': { path: realpathSync('/usr/bin/env'), mode: 0o755 },
      'bin/mkdir': { path: realpathSync('/usr/bin/mkdir'), mode: 0o755 },
      'bin/chmod': { path: realpathSync('/usr/bin/chmod'), mode: 0o755 },
      'bin/bash': { path: realpathSync('/bin/bash'), mode: 0o755 },
    };
    for (const lib of librariesOf(TOOLS))
      files[`lib/${basename(lib)}`] = { path: realpathSync(lib), mode: 0o755 };
    await makeStone(repo, { name: 'host-tools', provides: ['binary(sh)', 'binary(mkdir)'], files });
    for (const name of BASE)
      await makeStone(repo, { name, depends: ['host-tools'], files: { [`share/doc/${name}/README`]: name } });
    await makeStone(repo, {
      name: 'tools',
      depends: ['host-tools'],
      provides: ['binary(git)', 'binary(nano)', 'binary(vim)', 'binary(ps)'],
      files: { 'share/doc/tools/README': 'tools' },
    });
    expect(spawnSync(process.execPath, [MOSS, 'index', repo], { encoding: 'utf8' }).status).toBe(0);

    const config = join(work, 'config');
    const cache = join(work, 'cache');
    const mossRoot = join(work, 'moss');
    const globals = ['--config-dir', config, '--cache-dir', cache, '--moss-root', mossRoot];
    const b = (...args: string[]) =>
      spawnSync(process.execPath, [BOULDER, ...args, ...globals], { encoding: 'utf8', env: plainEnv() });
    const add = b(
      'profile',
      'add',
      'local',
      '-r',
      `name=local,uri=${pathToFileURL(join(repo, 'stone.index')).href}`,
    );
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toContain(`refreshed local: ${BASE.length + 2} package(s)`);

    const recipeDir = join(work, 'recipe');
    mkdirSync(recipeDir);
    writeFileSync(
      join(recipeDir, 'stone.yaml'),
      [
        'name        : hello-script',
        'version     : 1.0.0',
        'release     : 1',
        'homepage    : https://example.org/hello-script',
        'upstreams   : []',
        'summary     : A script built in a moss-made root',
        'description : |',
        '    Built by the boulder profile e2e test.',
        'license     : MPL-2.0',
        'builddeps   :',
        '    - host-tools',
        'install     : |',
        // Proof that the phase runs in the moss-made root and not on the host: only the
        // former has the stand-ins' files, and only the latter has a compiler.
        '    test -f /usr/share/doc/bash/README',
        '    test ! -e /usr/bin/cc',
        // The root is hard links into the moss dir's store: read-only to every phase.
        '    if chmod 0777 /usr/bin/sh; then exit 1; fi',
        '    mkdir -p %(installroot)/usr/bin',
        "    printf '#!/bin/sh\\necho hello from a moss build root\\n' > %(installroot)/usr/bin/hello-script",
        '    chmod 0755 %(installroot)/usr/bin/hello-script',
        '',
      ].join('\n'),
    );
    const out = join(work, 'out');
    mkdirSync(out);
    const r = b('build', '-p', 'local', '-o', out, recipeDir);
    expect(r.stdout + r.stderr).toMatch(/build root: \d+ package\(s\): .*host-tools/);
    const root = join(cache, 'root', 'hello-script');
    expect(r.stdout).toContain(`build root: ${root} ready`);
    expect(r.stdout + r.stderr).toContain('Build finished successfully');
    expect(r.status).toBe(0);
    // The root is no moss root of its own: its /usr is links into boulder's moss dir.
    expect(existsSync(join(root, '.moss'))).toBe(false);
    expect(existsSync(join(mossRoot, '.moss', 'assets'))).toBe(true);
    expect(statSync(join(root, 'usr/bin/sh')).nlink).toBeGreaterThan(1);
    expect(statSync(join(root, 'usr/bin/sh')).mode & 0o777).toBe(0o755);

    // The second build of the recipe keeps its root.
    const again = b('build', '-p', 'local', '-o', out, recipeDir);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`build root: ${root} kept, already these packages`);
    expect(again.stdout).toMatch(/^\s+build root\s+\d+\.\d\d s/m);
    const stone = readdirSync(out).find((n) => n.startsWith('hello-script-1.0.0-1-1-x86_64.stone'))!;
    const s = await StoneReader.open(join(out, stone));
    try {
      const layout = await s.layout();
      expect(layout.map((e) => e.target)).toContain('bin/hello-script');
    } finally {
      await s.close();
    }

    // `boulder chroot`: a shell typed into in the same root, which it cannot write to either.
    if (!HAVE_SCRIPT) return console.warn('skipping the chroot part: script(1) has no pseudo-terminal here');
    const shell = new PtySession(
      [process.execPath, BOULDER, 'chroot', '-p', 'local', recipeDir, ...globals],
      plainEnv(),
    );
    shell.type('test -f /usr/share/doc/bash/README && echo "IN-ROOT-$((6*7))"');
    shell.type('echo x > /usr/share/doc/bash/README; echo "WRITE=$?"; exit 3');
    await shell.waitFor(/IN-ROOT-42\n/);
    await shell.waitFor(/Read-only file system[\s\S]*WRITE=1\n/);
    expect(await shell.exited).toBe(3);
    expect(readFileSync(join(root, 'usr/share/doc/bash/README'), 'utf8')).toBe('bash');
  }, 300_000);
});
