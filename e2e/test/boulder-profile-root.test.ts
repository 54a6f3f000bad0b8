import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { MOSS, plainEnv, REPO } from './support/paths.js';
import { makeStone } from './support/stones.js';

// boulder build -p PROFILE: the build root is installed by moss's engine from the profile's
// repository (here a repository holding a stand-in "host-tools" package: the host's dash,
// env, mkdir and chmod with the libraries they load), and the recipe's phases run inside it.
const BOULDER = join(REPO, 'tools', 'boulder', 'bin', 'boulder.js');
const TOOLS = ['/bin/dash', '/usr/bin/env', '/usr/bin/mkdir', '/usr/bin/chmod'];
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
    };
    for (const lib of librariesOf(TOOLS))
      files[`lib/${basename(lib)}`] = { path: realpathSync(lib), mode: 0o755 };
    await makeStone(repo, { name: 'host-tools', provides: ['binary(sh)', 'binary(mkdir)'], files });
    expect(spawnSync(process.execPath, [MOSS, 'index', repo], { encoding: 'utf8' }).status).toBe(0);

    const config = join(work, 'config');
    const cache = join(work, 'cache');
    const b = (...args: string[]) =>
      spawnSync(process.execPath, [BOULDER, ...args, '--config-dir', config, '--cache-dir', cache], {
        encoding: 'utf8',
        env: plainEnv(),
      });
    const add = b(
      'profile',
      'add',
      'local',
      '-r',
      `name=local,uri=${pathToFileURL(join(repo, 'stone.index')).href}`,
    );
    expect(add.status, add.stderr).toBe(0);

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
        // former has a state id, and only the latter has a compiler.
        '    test -f /usr/.stateID',
        '    test ! -e /usr/bin/cc',
        '    mkdir -p %(installroot)/usr/bin',
        "    printf '#!/bin/sh\\necho hello from a moss build root\\n' > %(installroot)/usr/bin/hello-script",
        '    chmod 0755 %(installroot)/usr/bin/hello-script',
        '',
      ].join('\n'),
    );
    const out = join(work, 'out');
    mkdirSync(out);
    const r = b('build', '-p', 'local', '-o', out, recipeDir);
    expect(r.stdout + r.stderr).toContain('build root: installing host-tools');
    expect(r.stdout + r.stderr).toContain('Build finished successfully');
    expect(r.status).toBe(0);
    // The root is a real moss root: a recorded state with host-tools in it.
    const root = join(cache, 'root', 'hello-script');
    const list = spawnSync(process.execPath, [MOSS, '-D', root, 'list', 'installed', '--json'], {
      encoding: 'utf8',
    });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['host-tools']);
    const stone = readdirSync(out).find((n) => n.startsWith('hello-script-1.0.0-1-1-x86_64.stone'))!;
    const s = await StoneReader.open(join(out, stone));
    try {
      const layout = await s.layout();
      expect(layout.map((e) => e.target)).toContain('bin/hello-script');
    } finally {
      await s.close();
    }
  }, 300_000);
});
