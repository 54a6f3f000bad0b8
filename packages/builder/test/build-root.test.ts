import { createHash } from 'node:crypto';
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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { probeContainer } from '@serpent/container';
import { writeIndex } from '@serpent/repository';
import { parseDependency, type StoneEntryInput, writePackage } from '@serpent/stone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuildRootEvent,
  boulderDirs,
  buildRecipe,
  installBuildRoot,
  type Profile,
  planFromRecipe,
  type RecipeBuildEvent,
} from '../src/index.ts';

// Build roots from boulder's shared moss dir, as `moss -D <moss dir> install --to <root>`:
// a repository served by a real HTTP server on 127.0.0.1 that counts what it is asked, a real
// store, real hard links, and a real container for the read-only check. The base is a static
// busybox under the base packages and the toolchain (each a package of its own standing in).
const work = mkdtempSync(join(tmpdir(), 'build-root-test-'));
const requests: string[] = [];
let server: Server;
let profile: Profile;
const BUSYBOX = existsSync('/bin/busybox') ? realpathSync('/bin/busybox') : undefined;
const APPLETS = ['sh', 'mkdir', 'chmod', 'env', 'cat', 'touch', 'printf', 'test', 'ls', 'rm', 'cp', 'ln'];
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
const PACKAGES = ['busybox', 'greet-data'];

async function stone(
  dir: string,
  name: string,
  entries: StoneEntryInput[],
  opts: { depends?: string[]; provides?: string[] } = {},
) {
  await writePackage(join(dir, `${name}-1.0-1-1-x86_64.stone`), {
    meta: {
      name,
      version: '1.0',
      release: 1,
      buildRelease: 1,
      architecture: 'x86_64',
      summary: `${name} for the build-root tests`,
      description: `The ${name} package.`,
      homepage: 'https://example.org',
      sourceId: name,
      licenses: ['MPL-2.0'],
      depends: (opts.depends ?? []).map((d) => parseDependency(d)!),
      provides: (opts.provides ?? []).map((d) => parseDependency(d)!),
      conflicts: [],
    },
    entries,
    level: 1,
  });
}

const file = (target: string, text: string, mode = 0o644): StoneEntryInput => ({
  type: 'regular',
  target,
  mode,
  content: new TextEncoder().encode(text),
});

beforeAll(async () => {
  const repo = join(work, 'repo');
  mkdirSync(repo);
  await stone(repo, 'libgreet', [file('lib/libgreet.so.1', 'greet v1\n')]);
  await stone(
    repo,
    'greet-data',
    [file('share/greet/hello', 'hello\n'), file('share/greet/deep/bye', 'bye\n')],
    { depends: ['name(libgreet)'] },
  );
  await stone(repo, 'busybox', [
    ...(BUSYBOX
      ? [
          {
            type: 'regular',
            target: 'bin/busybox',
            mode: 0o755,
            content: readFileSync(BUSYBOX),
          } as StoneEntryInput,
        ]
      : []),
    ...APPLETS.map((a): StoneEntryInput => ({ type: 'symlink', target: `bin/${a}`, source: 'busybox' })),
  ]);
  // The base packages and the toolchain a recipe's root asks for, each standing in by name.
  for (const name of BASE)
    await stone(repo, name, [file(`share/doc/${name}/README`, `${name} stands in\n`)], {
      depends: ['name(busybox)'],
    });
  await stone(repo, 'tools', [file('share/doc/tools/README', 'tools\n')], {
    depends: ['name(busybox)'],
    provides: ['git', 'nano', 'vim', 'ps'].map((b) => `binary(${b})`),
  });
  await writeIndex(repo);
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const path = join(repo, normalize(decodeURIComponent(req.url ?? '/')));
    if (!path.startsWith(repo) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(path);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { etag, 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  profile = {
    id: 'local',
    repositories: {
      local: { description: 'test', uri: `http://127.0.0.1:${port}/stone.index`, priority: 0, active: true },
    },
  };
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(work, { recursive: true, force: true });
});

/** Every file in the moss dir's store. */
function assets(mossDir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else n++;
    }
  };
  walk(join(mossDir, '.moss', 'assets'));
  return n;
}

/** The requests the server got while `fn` ran, and what `fn` returned. */
async function counting<T>(fn: () => Promise<T>): Promise<{ asked: string[]; value: T }> {
  const from = requests.length;
  const value = await fn();
  return { asked: requests.slice(from), value };
}

describe('build roots from the shared moss dir', () => {
  const mossDir = join(work, 'moss');

  it('sets a root up once, then keeps it: no download, no new asset, the same tree', async () => {
    const dir = join(work, 'cache', 'root', 'one');
    const events: BuildRootEvent[] = [];
    const first = await counting(() =>
      installBuildRoot({ dir, mossDir, profile, packages: PACKAGES, onEvent: (e) => events.push(e) }),
    );
    expect(first.asked.filter((r) => r.endsWith('/stone.index'))).toHaveLength(1);
    expect(first.asked.filter((r) => r.endsWith('.stone')).sort()).toEqual([
      'GET /busybox-1.0-1-1-x86_64.stone',
      'GET /greet-data-1.0-1-1-x86_64.stone',
      'GET /libgreet-1.0-1-1-x86_64.stone',
    ]);
    expect(first.value.kept).toBe(false);
    expect(readFileSync(join(dir, 'usr/share/greet/hello'), 'utf8')).toBe('hello\n');
    expect(events.find((e) => e.type === 'root-refreshed')).toMatchObject({
      repository: 'local',
      packages: BASE.length + 4,
    });
    expect(events.find((e) => e.type === 'root-ready')).toMatchObject({ kept: false, path: dir });
    // The root is not a moss root: no database, no store of its own, no state.
    expect(existsSync(join(dir, '.moss'))).toBe(false);
    expect(existsSync(join(dir, 'usr/.stateID'))).toBe(false);
    const stored = assets(mossDir);
    const usr = statSync(join(dir, 'usr')).ino;

    const second = await counting(() => installBuildRoot({ dir, mossDir, profile, packages: PACKAGES }));
    expect(second.asked).toEqual([]);
    expect(second.value.kept).toBe(true);
    expect(assets(mossDir)).toBe(stored);
    expect(statSync(join(dir, 'usr')).ino).toBe(usr);
  });

  it('makes another recipe’s root of the same packages from the same assets, asking nothing', async () => {
    const one = join(work, 'cache', 'root', 'one');
    const dir = join(work, 'cache', 'root', 'two');
    const stored = assets(mossDir);
    const { asked, value } = await counting(() =>
      installBuildRoot({ dir, mossDir, profile, packages: PACKAGES }),
    );
    expect(asked).toEqual([]);
    expect(value.kept).toBe(false);
    expect(assets(mossDir)).toBe(stored);
    expect(statSync(join(dir, 'usr/share/greet/hello')).ino).toBe(
      statSync(join(one, 'usr/share/greet/hello')).ino,
    );
  });

  it('fetches the indexes again only when asked (--update), conditionally', async () => {
    const dir = join(work, 'cache', 'root', 'one');
    const { asked, value } = await counting(() =>
      installBuildRoot({ dir, mossDir, profile, packages: PACKAGES, update: true }),
    );
    expect(asked).toEqual(['GET /stone.index']);
    expect(value.kept).toBe(true);
  });

  it('refuses the moss dir itself as a build root, and / as the moss dir', async () => {
    await expect(
      installBuildRoot({ dir: mossDir, mossDir, profile, packages: PACKAGES }),
    ).rejects.toMatchObject({
      code: 'BUILD_ROOT_INVALID',
    });
    expect(() => boulderDirs({ mossRoot: '/' })).toThrow('running system');
  });

  it('says before any package is downloaded that a moss dir on another filesystem cannot make the root', async (t) => {
    if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(work).dev)
      return t.skip('no second filesystem (/dev/shm) here');
    const otherMoss = mkdtempSync(join('/dev/shm', 'build-root-moss-'));
    try {
      const dir = join(work, 'cache', 'root', 'elsewhere');
      const { asked } = await counting(() =>
        expect(
          installBuildRoot({ dir, mossDir: otherMoss, profile, packages: PACKAGES }),
        ).rejects.toMatchObject({
          code: 'BUILD_ROOT_INVALID',
          hint: expect.stringContaining('--moss-root'),
        }),
      );
      expect(asked.filter((r) => r.endsWith('.stone'))).toEqual([]);
      expect(existsSync(join(dir, 'usr'))).toBe(false);
    } finally {
      rmSync(otherMoss, { recursive: true, force: true });
    }
  });

  it('replaces the whole-moss-root build roots of earlier versions', async () => {
    const dir = join(work, 'cache', 'root', 'old');
    mkdirSync(join(dir, '.moss', 'db'), { recursive: true });
    writeFileSync(join(dir, '.moss', 'db', 'install'), 'old');
    await installBuildRoot({ dir, mossDir, profile, packages: PACKAGES });
    expect(existsSync(join(dir, '.moss'))).toBe(false);
    expect(existsSync(join(dir, 'usr/share/greet/hello'))).toBe(true);
  });
});

const probe = probeContainer();
const skipSafety = !probe.ok ? probe.reason : !BUSYBOX ? 'no static /bin/busybox on this host' : undefined;
if (skipSafety) console.warn(`skipping the read-only build root test: ${skipSafety}`);

describe.skipIf(skipSafety !== undefined)('a build cannot change the shared store', () => {
  it('fails a script writing into /usr, and every asset stays as it was', async () => {
    const mossDir = join(work, 'moss-safety');
    const cacheDir = join(work, 'cache-safety');
    const recipe = join(work, 'tamper');
    mkdirSync(recipe);
    writeFileSync(
      join(recipe, 'stone.yaml'),
      [
        'name        : tamper',
        'version     : 1.0.0',
        'release     : 1',
        'homepage    : https://example.org/tamper',
        'upstreams   : []',
        'summary     : Tries to write into its build root',
        'description : |',
        '    A build script that writes into /usr, whose files are the shared store.',
        'license     : MPL-2.0',
        'builddeps   :',
        '    - greet-data',
        'install     : |',
        '    chmod 0777 /usr/bin/busybox || echo "chmod refused"',
        '    touch /usr/new-file || echo "create refused"',
        '    echo tampered > /usr/share/greet/hello',
        '',
      ].join('\n'),
    );
    const output: string[] = [];
    const onEvent = (e: RecipeBuildEvent) => {
      if (e.type === 'phase-output') output.push(e.text);
    };
    await expect(
      buildRecipe({
        recipe,
        outputDir: join(work, 'out-safety'),
        cacheDir,
        root: { profile, mossDir },
        breakpoints: 'ignore',
        onEvent,
      }),
    ).rejects.toMatchObject({ code: 'BUILD_PHASE_FAILED' });
    const text = output.join('');
    expect(text).toContain('chmod refused');
    expect(text).toContain('create refused');
    expect(text).toMatch(/Read-only file system/);
    const root = join(cacheDir, 'root', 'tamper');
    expect(readFileSync(join(root, 'usr/share/greet/hello'), 'utf8')).toBe('hello\n');
    expect(statSync(join(root, 'usr/bin/busybox')).mode & 0o777).toBe(0o755);
    expect(existsSync(join(root, 'usr/new-file'))).toBe(false);
    // Nothing in the tree changed: the next build keeps it.
    const again = await installBuildRoot({
      dir: root,
      mossDir,
      profile,
      packages: (await planFromRecipe(recipe)).rootPackages,
    });
    expect(again.kept).toBe(true);
  }, 60_000);
});
