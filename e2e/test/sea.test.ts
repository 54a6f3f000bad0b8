// The single-executable moss (scripts/build-sea.mjs) with no Node anywhere (issue 16): inside a
// container (@serpent/container: user + mount namespaces, chroot) whose root holds only that
// file and the shared libraries `ldd` names for it and for the two native addons it carries,
// moss indexes the demo repository, installs `hello` from it into a root, removes it, rolls
// back to the first state and verifies. Also: a stale extracted addon is replaced before it is
// loaded, and a cache directory others may write is refused with a hint.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { probeContainer } from '@serpent/container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/paths.js';

const SEA = join(REPO, 'tools', 'moss', 'single', 'moss');
const probe = await probeContainer();
const skip =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'single executables are made for linux-x64 only'
    : !probe.ok
      ? `no containers here: ${probe.reason}`
      : undefined;
if (skip) console.warn(`sea test skipped: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'serpent-sea-'));
const croot = join(work, 'croot');
const repo = join(work, 'repo');
const sysroot = join(work, 'sysroot');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The shared libraries `ldd` lists for `file`, the dynamic loader included. */
function libraries(file: string): string[] {
  const r = spawnSync('ldd', [file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ldd ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((l) => /=>\s*(\/\S+)/.exec(l)?.[1] ?? /^\s*(\/\S+)/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
}

function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walkFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

let libs: string[] = [];

beforeAll(async () => {
  if (skip) return;
  // The executable, made the way `npm run sea` makes it (the tool's bundle is already built).
  const made = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-sea.mjs'), 'moss'], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`build-sea failed:\n${made.stderr}${made.stdout}`);
  // The addons it carries need their own libraries: list them from the same files it embeds.
  const manifest = JSON.parse(readFileSync(join(dirname(SEA), 'manifest.json'), 'utf8')) as {
    files: Record<string, string>;
  };
  const addons = JSON.parse(readFileSync(join(dirname(SEA), 'sea-config.json'), 'utf8')).assets as Record<
    string,
    string
  >;
  const natives = Object.keys(manifest.files)
    .filter((f) => f.endsWith('.node'))
    .map((f) => addons[`file:${f}`]!);
  libs = [...new Set([SEA, ...natives].flatMap(libraries))].sort();
  mkdirSync(croot);
  copyFileSync(SEA, join(croot, 'moss'));
  chmodSync(join(croot, 'moss'), 0o755);
  for (const lib of libs) {
    mkdirSync(join(croot, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(croot, lib));
  }
  const { buildDemoStones } = await import(join(REPO, 'scripts', 'demo-repo.mjs'));
  mkdirSync(repo);
  mkdirSync(sysroot);
  await buildDemoStones(join(REPO, 'demo'), repo);
}, 600_000);

/**
 * Runs the single-executable moss in a container, the way @serpent/container makes one (user,
 * mount and PID namespaces through util-linux `unshare`, then chroot), but with nothing of the
 * host in the root: @serpent/container runs the command through the root's /usr/bin/env,
 * which this root does not have. Inside: /dev and a fresh /proc, an empty tmpfs /tmp (moss's
 * home, where it extracts its addons), the demo repository at /repo and the target at /sysroot.
 */
function moss(args: readonly string[]) {
  const setup = [
    'set -e',
    'for d in dev proc tmp repo sysroot; do mkdir -p "$ROOT/$d"; done',
    'mount --rbind /dev "$ROOT/dev"',
    'mount -t proc proc "$ROOT/proc"',
    'mount -t tmpfs tmpfs "$ROOT/tmp"',
    'mount --bind "$REPO_DIR" "$ROOT/repo"',
    'mount --bind "$SYSROOT" "$ROOT/sysroot"',
    // Nothing of the host's environment goes in: only what moss is given here.
    'exec chroot "$ROOT" /moss "$@"',
  ].join('\n');
  const r = spawnSync(
    'unshare',
    [
      '--user',
      '--map-root-user',
      '--mount',
      '--pid',
      '--fork',
      '--kill-child',
      '--',
      '/bin/sh',
      '-c',
      setup,
      'sh',
      ...args,
    ],
    {
      encoding: 'utf8',
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        ROOT: croot,
        REPO_DIR: repo,
        SYSROOT: sysroot,
        HOME: '/tmp/home',
        NO_COLOR: '1',
      },
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip !== undefined)('the single-executable moss', () => {
  it('runs in a root holding only itself and the shared libraries it needs', async () => {
    // Files only: the mount points (/dev, /proc, /tmp, /repo, /sysroot) are empty directories.
    const files = walkFiles(croot).map((f) => `/${relative(croot, f)}`);
    expect(files.sort()).toEqual(['/moss', ...libs].sort());
    expect(files.some((f) => /(^|\/)node$/.test(f))).toBe(false);
    console.log(
      `sea container root: /moss (${(statSync(SEA).size / 2 ** 20).toFixed(1)} MiB) and ${libs.join(', ')}`,
    );
    const v = moss(['version', '--json']);
    expect(v.stderr).toBe('');
    expect(JSON.parse(v.stdout)).toMatchObject({ name: 'moss', build: 'single-executable' });
  });

  it('installs the demo repository into a root, rolls back and verifies, with no Node anywhere', async () => {
    const ok = async (args: readonly string[]) => {
      const r = moss(args);
      expect(r.status, `moss ${args.join(' ')}:\n${r.stderr}${r.stdout}`).toBe(0);
      return r;
    };
    await ok(['index', '/repo']);
    await ok(['-D', '/sysroot', 'repo', 'add', 'demo', 'file:///repo/stone.index']);
    await ok(['-D', '/sysroot', 'install', 'hello', '-y']);
    const hello = join(sysroot, 'usr', 'bin', 'hello');
    expect(existsSync(hello)).toBe(true);
    expect((await ok(['-D', '/sysroot', 'list', 'installed'])).stdout).toMatch(/hello[\s\S]*libgreet/);
    await ok(['-D', '/sysroot', 'remove', 'hello', '-y']);
    expect(existsSync(hello)).toBe(false);
    await ok(['-D', '/sysroot', 'state', 'activate', '1']);
    expect(existsSync(hello)).toBe(true);
    const run = spawnSync('/bin/sh', [hello, 'SEA'], { encoding: 'utf8' });
    expect(run.stdout).toContain('SEA');
    const verify = await ok(['-D', '/sysroot', 'state', 'verify']);
    expect(verify.stdout + verify.stderr).toContain('No issues found');
  });

  it('replaces a stale extracted addon before loading it, and refuses a cache others may write', () => {
    const cache = join(work, 'cache');
    const host = (env: NodeJS.ProcessEnv) =>
      spawnSync(SEA, ['-D', sysroot, 'list', 'installed'], {
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', XDG_CACHE_HOME: cache, NO_COLOR: '1', ...env },
      });
    expect(host({}).status).toBe(0);
    const [dir] = readdirSync(join(cache, 'serpent'));
    const addon = join(cache, 'serpent', dir!, 'natives', 'better_sqlite3.node');
    const good = createHash('sha256').update(readFileSync(addon)).digest('hex');
    writeFileSync(addon, 'not the addon this executable carries');
    const again = host({});
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('hello');
    expect(createHash('sha256').update(readFileSync(addon)).digest('hex')).toBe(good);

    chmodSync(join(cache, 'serpent'), 0o777);
    const refused = host({});
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('refusing to load native code');
    // The database layer wraps it (its hint comes first); the cause says which directory and why.
    expect(refused.stderr).toContain('(owner 0, mode 777)');
  });
});

describe.skipIf(skip !== undefined)('the single-executable boulder', () => {
  it('expands a recipe with the macros it carries, with no Node on PATH', () => {
    const made = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-sea.mjs'), 'boulder'], {
      encoding: 'utf8',
    });
    expect(made.status, made.stderr).toBe(0);
    const recipe = join(work, 'recipe.yaml');
    writeFileSync(
      recipe,
      [
        'name        : greet',
        'version     : 1.0.0',
        'release     : 1',
        'homepage    : https://example.org/greet',
        'upstreams   :',
        '    - https://example.org/greet-1.0.0.tar.xz : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'summary     : Greets',
        'description : |',
        '    A recipe for the single-executable test.',
        'license     : MPL-2.0',
        'build       : |',
        '    %make',
        '',
      ].join('\n'),
    );
    const r = spawnSync(join(REPO, 'tools', 'boulder', 'single', 'boulder'), ['recipe', 'expand', recipe], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent', XDG_CACHE_HOME: join(work, 'boulder-cache'), NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    // %make expanded from the macro files extracted beside the executable's addons.
    expect(r.stdout).toMatch(/\bmake\b.*-j/);
  });
});
