import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatDependency, StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { plainEnv } from './support/paths.js';
import { makeStone } from './support/stones.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(REPO, 'e2e', 'fixtures', 'boulder');
const NODE = process.execPath;
const BOULDER = join(REPO, 'tools', 'boulder', 'bin', 'boulder.js');
const MOSS = join(REPO, 'tools', 'moss', 'bin', 'moss.js');

const tools = ['cc', 'make', 'cmake', 'ninja', 'meson', 'pkg-config', 'unshare'];
const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const userns =
  spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true']).status === 0;
const built = existsSync(join(REPO, 'tools', 'boulder', 'dist', 'main.js'));
const skip =
  missing.length > 0
    ? `missing tools: ${missing.join(', ')} (scripts/ci-system-deps.sh installs them)`
    : !userns
      ? 'user namespaces are not available'
      : !built
        ? 'tools/boulder is not built (nx run @serpent/boulder:build)'
        : undefined;
if (skip) console.warn(`skipping boulder e2e: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'boulder-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Copies a fixture, packs its `src/` as `<name>-<version>.tar.gz`, and writes the recipe pinning it. */
function prepareRecipe(fixture: string, opts: { badHash?: boolean } = {}): string {
  const dir = join(work, `${fixture}${opts.badHash ? '-bad' : ''}`);
  mkdirSync(dir, { recursive: true });
  const template = readFileSync(join(FIXTURES, fixture, 'stone.yaml.in'), 'utf8');
  const name = /^name\s*:\s*(\S+)/m.exec(template)![1]!;
  const version = /^version\s*:\s*(\S+)/m.exec(template)![1]!;
  const stage = join(dir, 'stage');
  cpSync(join(FIXTURES, fixture, 'src'), join(stage, `${name}-${version}`), { recursive: true });
  const tarball = join(dir, `${name}-${version}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', stage, `${name}-${version}`]);
  const hash = opts.badHash
    ? '0'.repeat(64)
    : createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const recipeDir = join(dir, 'recipe');
  mkdirSync(recipeDir);
  writeFileSync(
    join(recipeDir, 'stone.yaml'),
    template.replace('@UPSTREAM@', pathToFileURL(tarball).href).replace('@SHA256@', hash),
  );
  return recipeDir;
}

function boulder(args: string[], cacheDir: string) {
  return spawnSync(NODE, [BOULDER, ...args, '--cache-dir', cacheDir], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
}

async function readStone(path: string) {
  const s = await StoneReader.open(path);
  try {
    await s.verify();
    const meta = await s.meta();
    return {
      meta,
      files: (await s.layout()).map((l) => `/usr/${l.target}`).sort(),
      provides: meta.provides.map(formatDependency),
      depends: meta.depends.map(formatDependency),
    };
  } finally {
    await s.close();
  }
}

describe.skipIf(skip !== undefined)('boulder build --host, e2e', () => {
  const cacheDir = join(work, 'cache');

  it('stops before any phase when an upstream hash is wrong', () => {
    const recipe = prepareRecipe('autotools', { badHash: true });
    const out = join(work, 'out-bad');
    mkdirSync(out);
    const r = boulder(['build', '--host', '-o', out, recipe], cacheDir);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('hash mismatch');
    expect(r.stderr).toContain('0'.repeat(64));
    expect(r.stdout).not.toContain('── prepare');
    expect(readdirSync(out)).toEqual([]);
  });

  for (const fixture of ['autotools', 'cmake', 'meson']) {
    it(`builds the ${fixture} fixture into stones and manifests`, async () => {
      const recipe = prepareRecipe(fixture);
      const out = join(work, `out-${fixture}`);
      mkdirSync(out);
      const r = boulder(['build', '--host', '-q', '-o', out, recipe], cacheDir);
      expect(r.stderr + r.stdout).toContain('Build finished successfully');
      expect(r.status).toBe(0);
      const names = readdirSync(out).sort();
      expect(names).toContain('manifest.x86_64.bin');
      expect(names).toContain('manifest.x86_64.jsonc');
      const jsonc = readFileSync(join(out, 'manifest.x86_64.jsonc'), 'utf8');
      const manifest = JSON.parse(jsonc.slice(jsonc.indexOf('\n'))) as {
        packages: Record<string, { provides?: string[]; depends?: string[]; files?: string[] }>;
      };
      for (const n of names.filter((x) => x.endsWith('.stone'))) {
        const stone = await readStone(join(out, n));
        if (stone.meta.name.endsWith('-dbginfo')) continue;
        const m = manifest.packages[stone.meta.name]!;
        expect(m.files).toEqual(stone.files);
        expect(m.provides ?? []).toEqual(stone.provides);
      }
    }, 300_000);
  }

  it('installs the built stones with moss into a fresh root, where the programs run', async () => {
    // The three builds above left their stones in out-<fixture>. Their dependencies on the
    // host's C library, loader and zlib are met by stand-in packages carrying the host's own
    // files, so the root is complete without a distribution.
    const repo = join(work, 'repo');
    mkdirSync(repo, { recursive: true });
    const stones = ['autotools', 'cmake', 'meson'].flatMap((f) =>
      readdirSync(join(work, `out-${f}`))
        .filter((n) => n.endsWith('.stone'))
        .map((n) => join(work, `out-${f}`, n)),
    );
    expect(stones.length).toBeGreaterThanOrEqual(6);
    const provided = new Set<string>();
    const needed = new Set<string>();
    const byName = new Map<string, Awaited<ReturnType<typeof readStone>>>();
    for (const file of stones) {
      const st = await readStone(file);
      byName.set(st.meta.name, st);
      provided.add(`name(${st.meta.name})`);
      for (const p of st.provides) provided.add(p);
      for (const d of st.depends) needed.add(d);
      cpSync(file, join(repo, basename(file)));
    }
    // Providers and dependencies found by the analysis, in the stones themselves.
    expect(byName.get('greetc')?.provides).toContain('soname(libgreetc.so.2(x86_64))');
    expect(byName.get('greetc-devel')?.provides).toContain('pkgconfig(greetc)');
    expect(byName.get('greetm')?.depends).toContain('soname(libz.so.1(x86_64))');
    expect(byName.get('greetc')?.depends.some((d) => d.startsWith('soname(libc.so.6'))).toBe(true);

    const missing = [...needed].filter((d) => !provided.has(d)).sort();
    const hostLib = (so: string) =>
      ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib']
        .map((d) => join(d, so))
        .find((p) => existsSync(p));
    const files: Record<string, { path: string; mode: number }> = {};
    const provides: string[] = [];
    for (const dep of missing) {
      const so = /^soname\((.+)\(x86_64\)\)$/.exec(dep)?.[1];
      const interp = /^interpreter\((.+)\(x86_64\)\)$/.exec(dep)?.[1];
      if (so) {
        const host = hostLib(so);
        if (host) files[`lib/${so}`] = { path: realpathSync(host), mode: 0o755 };
      }
      if (interp && existsSync(interp))
        files[`lib/${basename(interp)}`] = { path: realpathSync(interp), mode: 0o755 };
      if (!dep.startsWith('name(')) provides.push(dep);
    }
    await makeStone(repo, { name: 'host-runtime', provides, files });
    for (const dep of missing.filter((d) => d.startsWith('name(')))
      await makeStone(repo, { name: dep.slice(5, -1) });

    const root = join(work, 'root');
    mkdirSync(root);
    const m = (...args: string[]) =>
      spawnSync(NODE, [MOSS, '-D', root, ...args], { encoding: 'utf8', env: plainEnv() });
    expect(spawnSync(NODE, [MOSS, 'index', repo], { encoding: 'utf8' }).status).toBe(0);
    expect(m('repo', 'add', 'built', pathToFileURL(join(repo, 'stone.index')).href).status).toBe(0);
    const install = m('install', 'hello-autotools', 'binary(greet-cmake)', 'binary(greet-meson)', '-y');
    expect(install.stderr).not.toContain('error');
    expect(install.status).toBe(0);
    const installed = (JSON.parse(m('list', 'installed', '--json').stdout) as { name: string }[]).map(
      (p) => p.name,
    );
    expect(installed).toEqual(
      expect.arrayContaining(['hello-autotools', 'greetc', 'greetm', 'host-runtime', 'zlib']),
    );
    const run = (prog: string) => spawnSync('chroot', [root, `/usr/bin/${prog}`], { encoding: 'utf8' });
    expect(run('hello-autotools').stdout).toContain('hello from autotools 1.2.0');
    expect(run('greet-cmake').status).toBe(0);
    expect(run('greet-meson').stdout).toMatch(/^hello from meson [0-9a-f]{8}/);
    expect(m('state', 'verify').stdout).toContain('No issues found');
  }, 300_000);
});
