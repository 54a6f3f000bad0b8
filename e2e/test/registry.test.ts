// The packages as a registry user gets them (issue 16). A real npm registry (Verdaccio, a
// devDependency) on 127.0.0.1 with temporary storage; every package published to it with the
// release's own publish command (`node scripts/release.mjs publish`: changesets → pnpm publish);
// then, in a project outside the workspace, with npm run by the pinned Node:
// - `npm install @serpent/stone @serpent/vfs` (other dependencies from npm's usual registry);
// - every ```ts example of those packages' READMEs, as installed, run under plain `node` (so a
//   README that drifts from the API fails here), and type-checked as a strict TypeScript
//   consumer (`moduleResolution: nodenext`) together with a consumer file of our own;
// - `npm install -g @serpent/moss @serpent/boulder` into a temporary prefix, then
//   `moss --version`, `moss inspect` on a stone the README example wrote, and
//   `boulder recipe expand` on a recipe.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/paths.js';

const NODE = process.execPath;
const NODE_DIR = dirname(realpathSync(NODE));
const work = mkdtempSync(join(tmpdir(), 'serpent-registry-'));
const project = join(work, 'project');
const prefix = join(work, 'global');
let registry: ChildProcess | undefined;
let url = '';

/** npm's own CLI script, to run with the pinned Node (the machine's `npm` runs under Node 20). */
function npmCli(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  if (!which) return undefined;
  const cli = join(dirname(realpathSync(which)), 'npm-cli.js');
  return existsSync(cli) ? cli : undefined;
}
const NPM = npmCli();

/**
 * The environment of every install and command: the pinned Node first on PATH (lifecycle
 * scripts and `#!/usr/bin/env node` bins run with it), npm's user config pointing @serpent at
 * the test registry, node-gyp at the pinned Node's headers (the machine's npm config names
 * Node 20's), and none of the npm_* variables of the test runner's own package manager.
 */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(k) && k !== 'FORCE_COLOR') out[k] = v;
  }
  const headers = dirname(NODE_DIR);
  return {
    ...out,
    PATH: `${NODE_DIR}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    npm_config_userconfig: join(work, 'npmrc'),
    ...(existsSync(join(headers, 'include', 'node')) ? { npm_config_nodedir: headers } : {}),
    ...extra,
  };
}

function run(cmd: string, args: readonly string[], cwd: string, extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, env: env(extra), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}) in ${cwd}:\n${r.stderr}\n${r.stdout}`);
  }
  return r;
}
const npm = (args: readonly string[], cwd = project) =>
  run(NODE, [NPM!, ...args, '--no-audit', '--no-fund', '--prefer-offline'], cwd);

/** GET as JSON on a connection of its own (Verdaccio drops idle kept-alive ones). */
function getJson(address: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(address, { agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
      );
    }).on('error', reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts Verdaccio with its storage and config in `work`; resolves its URL once it listens. */
async function startRegistry(): Promise<string> {
  const port = await freePort();
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(work, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks: {}',
      'packages:',
      "  '@serpent/*':",
      '    access: $all',
      '    publish: $authenticated',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const bin = join(REPO, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  registry = spawn(NODE, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const base = `http://127.0.0.1:${port}/`;
  let log = '';
  registry.stdout?.on('data', (d: Buffer) => {
    log += d;
  });
  registry.stderr?.on('data', (d: Buffer) => {
    log += d;
  });
  for (let i = 0; i < 200; i++) {
    if (registry.exitCode !== null) throw new Error(`verdaccio exited (${registry.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${base}-/ping`)).ok) return base;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not answer on ${base} within 20 s:\n${log}`);
}

beforeAll(async () => {
  if (!NPM) return;
  url = await startRegistry();
  // A user to publish as; its token goes into the user config every npm and pnpm call reads.
  const res = await fetch(`${url}-/user/org.couchdb.user:release`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release', password: 'a-test-password-1' }),
  });
  const { token } = (await res.json()) as { token: string };
  const host = url.replace(/^http:/, '');
  writeFileSync(
    join(work, 'npmrc'),
    `@serpent:registry=${url}\n${host}:_authToken=${token}\nfund=false\naudit=false\nupdate-notifier=false\n`,
  );
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
}, 60_000);

afterAll(() => {
  registry?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

const WORKSPACE_PACKAGES = ['packages', 'tools'].flatMap((g) =>
  readdirSync(join(REPO, g))
    .filter((d) => existsSync(join(REPO, g, d, 'package.json')))
    .map(
      (d) =>
        JSON.parse(readFileSync(join(REPO, g, d, 'package.json'), 'utf8')) as {
          name: string;
          version: string;
        },
    ),
);

describe.skipIf(!NPM)('a registry user', () => {
  it('gets every package from the release publish command, with real versions for workspace:*', async () => {
    run(NODE, [join(REPO, 'scripts', 'release.mjs'), 'publish'], REPO);
    for (const pkg of WORKSPACE_PACKAGES) {
      const res = await getJson(`${url}${pkg.name.replace('/', '%2f')}`);
      expect(res.status, `${pkg.name} on the registry`).toBe(200);
      const doc = res.body as {
        versions: Record<string, { dependencies?: Record<string, string>; license?: string }>;
      };
      const published = doc.versions[pkg.version];
      expect(published, `${pkg.name}@${pkg.version}`).toBeDefined();
      expect(published?.license).toBe('MPL-2.0');
      for (const [dep, range] of Object.entries(published?.dependencies ?? {})) {
        expect(range, `${pkg.name} → ${dep}`).not.toMatch(/^workspace:/);
      }
    }
  });

  it('installs @serpent/stone and @serpent/vfs, and their README examples run under plain node', () => {
    npm(['install', '@serpent/stone', '@serpent/vfs', 'typescript@5.9.3', '@types/node@24.19.2']);
    for (const name of ['stone', 'vfs']) {
      const installed = join(project, 'node_modules', '@serpent', name);
      expect(existsSync(join(installed, 'LICENSE')), `${name} ships its LICENSE`).toBe(true);
      const readme = readFileSync(join(installed, 'README.md'), 'utf8');
      const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
      expect(blocks.length, `${name}'s README has examples`).toBeGreaterThan(0);
      const dir = join(project, 'examples', name);
      mkdirSync(dir, { recursive: true });
      // In order, in one directory: a later example may use what an earlier one wrote.
      blocks.forEach((code, i) => {
        writeFileSync(join(dir, `example-${i + 1}.mts`), code);
        const r = spawnSync(NODE, [`example-${i + 1}.mts`], { cwd: dir, env: env(), encoding: 'utf8' });
        expect(r.status, `${name} README example ${i + 1}:\n${code}\n${r.stderr}`).toBe(0);
      });
    }
    expect(existsSync(join(project, 'examples', 'stone', 'hello-1.0-1-1-x86_64.stone'))).toBe(true);
    expect(existsSync(join(project, 'examples', 'vfs', 'usr', 'bin', 'hello'))).toBe(true);
  });

  it('type-checks a strict TypeScript consumer (nodenext) of both packages and their README examples', () => {
    writeFileSync(
      join(project, 'consumer.mts'),
      `import { StoneError, StoneReader, type PackageMeta, writePackage } from '@serpent/stone';
import { buildTree, type VfsTree, VfsError } from '@serpent/vfs';

export async function names(file: string): Promise<string[]> {
  const stone: StoneReader = await StoneReader.open(file);
  try {
    const meta: PackageMeta = await stone.meta();
    return [meta.name, ...(await stone.layout()).map((e) => e.target)];
  } finally {
    await stone.close();
  }
}
export const empty: VfsTree = buildTree([]);
export const isOurs = (e: unknown) => e instanceof StoneError || e instanceof VfsError;
// The types are real, not any: each line below must be a type error.
// @ts-expect-error the level is a number
export const bad = () => writePackage('x.stone', { meta: {} as PackageMeta, entries: [], level: 'high' });
// @ts-expect-error buildTree takes inputs, not a path
export const bad2 = () => buildTree('/usr');
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            strict: true,
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2023',
            lib: ['es2023'],
            types: ['node'],
            noEmit: true,
            skipLibCheck: false,
          },
          include: ['consumer.mts', 'examples/**/*.mts'],
        },
        null,
        2,
      )}\n`,
    );
    const r = spawnSync(NODE, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], {
      cwd: project,
      env: env(),
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('installs moss and boulder globally; they run from the prefix', () => {
    npm(['install', '-g', '--prefix', prefix, '@serpent/moss', '@serpent/boulder']);
    const path = `${join(prefix, 'bin')}:${NODE_DIR}:${process.env.PATH ?? ''}`;
    const tool = (name: string, args: readonly string[]) =>
      spawnSync(join(prefix, 'bin', name), args, {
        cwd: project,
        env: env({ PATH: path }),
        encoding: 'utf8',
      });

    const moss = WORKSPACE_PACKAGES.find((p) => p.name === '@serpent/moss')!;
    const version = tool('moss', ['--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`moss ${moss.version}\n`);

    const inspect = tool('moss', ['inspect', join('examples', 'stone', 'hello-1.0-1-1-x86_64.stone')]);
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('hello');
    expect(inspect.stdout).toContain('bin/hello');

    // A transaction from the registry install: better-sqlite3, koffi (renameat2, syncfs) and the
    // bundle's worker files, all as npm installed them.
    mkdirSync(join(project, 'root'));
    const install = tool('moss', ['-D', 'root', 'install', join('examples', 'vfs', 'greet.stone'), '-y']);
    expect(install.status, install.stderr).toBe(0);
    expect(existsSync(join(project, 'root', 'usr', 'lib', 'libgreet.so.1'))).toBe(true);
    const listed = tool('moss', ['-D', 'root', 'list', 'installed', '--json']);
    expect(JSON.parse(listed.stdout).map((p: { name: string }) => p.name)).toEqual(['greet']);

    const recipe = join(project, 'recipe');
    mkdirSync(recipe);
    writeFileSync(
      join(recipe, 'stone.yaml'),
      `name        : greet
version     : 1.0.0
release     : 1
homepage    : https://example.org/greet
upstreams   :
    - https://example.org/greet-1.0.0.tar.xz : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
summary     : Greets
description : |
    A recipe for the registry test.
license     : MPL-2.0
build       : |
    %make
install     : |
    %make_install
`,
    );
    const expand = tool('boulder', ['recipe', 'expand', join('recipe', 'stone.yaml')]);
    expect(expand.status, expand.stderr).toBe(0);
    expect(expand.stdout).toMatch(/make/);
    expect(tool('boulder', ['-V']).stdout).toMatch(/^boulder \d+\.\d+\.\d+\n$/);
  });
});
