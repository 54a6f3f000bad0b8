import { spawn } from 'node:child_process';
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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS, MOSS_BUILT, mossAsync, plainEnv } from './support/paths.js';
import { makeStone } from './support/stones.js';
import { treeEntries } from './support/tree.js';

// Exported states through the real moss and a real HTTP repository on 127.0.0.1: a lock made
// on one root reproduces the same /usr on others (by repository, by locked URL, and as an
// `install --to` container root), a lock still applies from the cache after the repository
// moved on or names what is gone with nothing changed, and a system model converges a root
// both ways.
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss exported-state e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-lock-e2e-'));
let server: Server;
let base = '';
const hits = new Map<string, number>();

beforeAll(async () => {
  if (skip) return;
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = join(work, 'www', path);
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  rmSync(work, { recursive: true, force: true });
});

async function repoDir(name: string, specs: Parameters<typeof makeStone>[1][]): Promise<string> {
  const dir = join(work, 'www', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of specs) await makeStone(dir, s);
  const r = await mossAsync(['index', dir]);
  expect(r.status, r.stderr).toBe(0);
  return `${base}/${name}/stone.index`;
}
function newDir(...parts: string[]): string {
  const d = join(work, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}
const m = (root: string, ...args: string[]) => mossAsync(['-D', root, ...args]);
const ok = async (root: string, ...args: string[]) => {
  const r = await m(root, ...args);
  expect(r.status, `moss ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const installed = async (root: string) =>
  (
    JSON.parse((await m(root, 'list', 'installed', '--json')).stdout) as {
      name: string;
      version: string;
      release: number;
    }[]
  ).map((p) => `${p.name}-${p.version}-${p.release}`);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
// moss's own files in a state's tree (its id, and the ledger that lets a later transaction
// change the tree in place) are not the packages'.
const usrOf = (root: string) => treeEntries(join(root, 'usr'), ['.stateID', '.moss-tree']);

interface LockJson {
  format: string;
  version: number;
  repositories: { name: string; uri: string; priority: number; indexSha256: string }[];
  packages: {
    name: string;
    version: string;
    release: number;
    hash: string;
    explicit: boolean;
    repository?: string;
    uri?: string;
  }[];
}

const zlib = (release: number) => ({
  name: 'zlib',
  version: `1.${release}`,
  release,
  provides: ['soname(libz.so.1(x86_64))'],
  files: { 'lib/libz.so.1': `zlib ${release}\n`, 'share/zlib/README': 'zlib\n' },
  symlinks: { 'lib/libz.so': 'libz.so.1' },
});
const nano = (release: number) => ({
  name: 'nano',
  version: '8.0',
  release,
  provides: ['binary(nano)'],
  depends: ['soname(libz.so.1(x86_64))'],
  files: { 'bin/nano': { content: `#!/bin/sh\necho nano ${release}\n`, mode: 0o755 } },
  dirs: ['share/nano'],
});
const extra = {
  name: 'extra',
  provides: ['binary(extra)'],
  files: { 'bin/extra': { content: 'x\n', mode: 0o750 } },
};

describe.skipIf(skip !== undefined)('moss state export and sync --lock', () => {
  it('a lock gives the same /usr on other roots: by repository, by locked URL, and as a container root', async () => {
    const uri = await repoDir('locked', [zlib(1), nano(1), extra]);
    const a = newDir('roots', 'a');
    await ok(a, 'repo', 'add', 'locked', uri);
    await ok(a, 'install', 'nano', '-y');
    const lockFile = join(work, 'a.lock');
    await ok(a, 'state', 'export', '-o', lockFile);
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as LockJson;
    expect(lock).toMatchObject({ format: 'moss-lock', version: 1 });
    expect(lock.repositories).toEqual([
      { name: 'locked', uri, priority: 0, indexSha256: sha256(join(work, 'www/locked/stone.index')) },
    ]);
    expect(lock.packages.map((p) => [p.name, p.release, p.explicit, p.repository, p.uri])).toEqual([
      ['nano', 1, true, 'locked', 'nano-8.0-1-1-x86_64.stone'],
      ['zlib', 1, false, 'locked', 'zlib-1.1-1-1-x86_64.stone'],
    ]);
    expect(lock.packages[0]!.hash).toBe(sha256(join(work, 'www/locked/nano-8.0-1-1-x86_64.stone')));
    // Stdout without -o is the same lock.
    expect((await ok(a, 'state', 'export')).stdout).toBe(readFileSync(lockFile, 'utf8'));

    // Another machine with no repository configured: the packages come from their locked URLs.
    const b = newDir('roots', 'b');
    const sync = await ok(b, 'sync', '--lock', lockFile, '-y');
    expect(sync.stdout).toContain(`the system is ${lockFile} (2 package(s))`);
    expect(await installed(b)).toEqual(['nano-8.0-1', 'zlib-1.1-1']);
    const tree = usrOf(a);
    expect(tree.length).toBeGreaterThan(5);
    expect(usrOf(b)).toEqual(tree);
    // Its own export holds the same packages, flags and repository.
    const again = JSON.parse((await ok(b, 'state', 'export')).stdout) as LockJson;
    expect(again.packages).toEqual(lock.packages);
    expect(again.repositories).toEqual(lock.repositories);

    // A container root made from the lock, by a root that has the repository configured.
    const c = newDir('roots', 'c');
    await ok(c, 'repo', 'add', 'locked', uri);
    const container = newDir('containers', 'one');
    const to = await ok(c, 'install', '--to', container, '--lock', lockFile, '-y');
    expect(to.stdout).toContain('(no state recorded)');
    expect(treeEntries(join(container, 'usr'))).toEqual(tree);
    expect(await installed(c)).toEqual([]);
    // Applying the lock again changes nothing.
    expect((await ok(b, 'sync', '--lock', lockFile, '-y')).stdout).toContain(
      `The system already is ${lockFile}`,
    );
  });

  it('after the repository moved on, a lock still applies from the cache, or names what is gone and changes nothing', async () => {
    const uri = await repoDir('moving', [zlib(1), nano(1)]);
    const a = newDir('roots', 'moving-a');
    await ok(a, 'repo', 'add', 'moving', uri);
    await ok(a, 'install', 'nano', '-y');
    const lockFile = join(work, 'moving.lock');
    await ok(a, 'state', 'export', '-o', lockFile);
    const before = usrOf(a);

    // Upstream: new releases, the old stones deleted from the server.
    await repoDir('moving', [zlib(2), nano(2)]);
    await ok(a, 'sync', '-u', '-y');
    expect(await installed(a)).toEqual(['nano-8.0-2', 'zlib-1.2-2']);
    const oldHits = hits.get('/moving/nano-8.0-1-1-x86_64.stone');
    const back = await ok(a, 'sync', '--lock', lockFile, '-y');
    expect(back.stdout).toMatch(/nano 8\.0-2 → 8\.0-1/);
    expect(await installed(a)).toEqual(['nano-8.0-1', 'zlib-1.1-1']);
    expect(usrOf(a)).toEqual(before);
    expect(hits.get('/moving/nano-8.0-1-1-x86_64.stone')).toBe(oldHits); // from the cache, not the network

    // A fresh root has no cache: both packages are gone everywhere; it says so and changes nothing.
    const f = newDir('roots', 'moving-fresh');
    await ok(f, 'repo', 'add', 'moving', uri);
    const gone = await m(f, 'sync', '--lock', lockFile, '-y');
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('2 package(s) of');
    expect(gone.stderr).toContain('can no longer be had; nothing was changed');
    expect(gone.stderr).toMatch(
      /nano 8\.0-1 \([0-9a-f]{64}\): in no repository index and not in the cache; .*nano-8\.0-1-1-x86_64\.stone: .*404/,
    );
    expect(gone.stderr).toMatch(/zlib 1\.1-1 \([0-9a-f]{64}\)/);
    expect(existsSync(join(f, 'usr'))).toBe(false);
    expect(JSON.parse((await ok(f, 'state', 'list', '--json')).stdout)).toEqual([]);
  });

  it("a sync --lock killed after its swap is completed by the next run, the lock's repositories recorded", async () => {
    const uri = await repoDir('crash', [zlib(1), nano(1)]);
    const a = newDir('roots', 'crash-a');
    await ok(a, 'repo', 'add', 'crash', uri);
    await ok(a, 'install', 'nano', '-y');
    const lockFile = join(work, 'crash.lock');
    await ok(a, 'state', 'export', '-o', lockFile);
    const b = newDir('roots', 'crash-b');
    const killed = await new Promise<string | null>((done) => {
      const child = spawn(process.execPath, [MOSS, '-D', b, 'sync', '--lock', lockFile, '-y'], {
        env: plainEnv({ MOSS_FAULT_KILL_AT: 'phase-end:swap' }),
        stdio: 'ignore',
      });
      child.on('close', (_code, signal) => done(signal));
    });
    expect(killed).toBe('SIGKILL');
    expect(existsSync(join(b, '.moss/journal.json'))).toBe(true);
    // The next command recovers: the state is recorded with the lock's repositories.
    const again = JSON.parse((await ok(b, 'state', 'export')).stdout) as LockJson;
    expect(existsSync(join(b, '.moss/journal.json'))).toBe(false);
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as LockJson;
    expect(again.packages).toEqual(lock.packages);
    expect(again.repositories).toEqual(lock.repositories);
    expect(usrOf(b)).toEqual(usrOf(a));
  });

  it('refuses a damaged or hand-broken lock, naming the field and package', async () => {
    const root = newDir('roots', 'bad-lock');
    const file = join(work, 'bad.lock');
    writeFileSync(
      file,
      '{ "format": "moss-lock", "version": 1, "repositories": [], "packages": [ { "name": "nano", "version": "8.0", "release": 1, "buildRelease": 1, "hash": "abc", "explicit": true } ] }\n',
    );
    const r = await m(root, 'sync', '--lock', file, '-y');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: packages › 0 › hash must match pattern`);
    expect(r.stderr).toContain('(package nano)');
    expect(readdirSync(root).filter((x) => x !== '.moss')).toEqual([]);
  });
});

describe.skipIf(skip !== undefined)('moss sync --model', () => {
  it('converges a system to its model in both directions, and exports the model', async () => {
    const uri = await repoDir('model', [zlib(1), nano(1), extra]);
    const other = await repoDir('model-other', [{ name: 'tool', files: { 'bin/tool': 'tool\n' } }]);
    const root = newDir('roots', 'model');
    await ok(root, 'repo', 'add', 'model', uri);
    await ok(root, 'install', 'nano', '-y');
    const model = join(work, 'system-model.yaml');

    // Adds what is missing.
    writeFileSync(model, 'version: 1\npackages:\n  - nano\n  - binary(extra)\n');
    const add = await ok(root, 'sync', '--model', model, '-y');
    expect(add.stdout).toMatch(/Install:\n\s*extra 1\.0-1/);
    expect(await installed(root)).toEqual(['extra-1.0-1', 'nano-8.0-1', 'zlib-1.1-1']);

    // Removes what is no longer wanted, and what only that needed.
    writeFileSync(model, 'version: 1\npackages: [extra]\n');
    const remove = await ok(root, 'sync', '--model', model, '-y');
    expect(remove.stdout).toMatch(
      /Remove \(not wanted or needed by the model\):\n.*nano 8\.0-1.*zlib 1\.1-1|zlib 1\.1-1.*nano 8\.0-1/s,
    );
    expect(await installed(root)).toEqual(['extra-1.0-1']);
    expect(existsSync(join(root, 'usr/bin/nano'))).toBe(false);
    expect((await ok(root, 'sync', '--model', model, '-y')).stdout).toContain('already matches');

    // A model that names repositories: resolved against them, and the configuration follows.
    writeFileSync(
      model,
      `version: 1\nrepositories:\n  model:\n    uri: ${uri}\n  other:\n    uri: ${other}\n    priority: 5\npackages: [extra, tool]\n`,
    );
    const withRepos = await ok(root, 'sync', '--model', model, '-y');
    expect(withRepos.stdout).toContain(`write other (${other})`);
    expect(await installed(root)).toEqual(['extra-1.0-1', 'tool-1.0-1']);
    expect((await ok(root, 'repo', 'list')).stdout).toMatch(/- other = .*\[5\]/);

    const exported = (await ok(root, 'state', 'export', '--model')).stdout;
    expect(exported).toContain('version: 1');
    expect(exported).toMatch(/packages:\n {2}- extra\n {2}- tool\n/);
    expect(exported).toContain(`  other:\n    uri: ${other}\n    priority: 5\n`);
    // The exported model is one the system already matches.
    writeFileSync(model, exported);
    expect((await ok(root, 'sync', '--model', model, '-y')).stdout).toContain('already matches');
  });

  it('names the line of a mistake in a model and changes nothing', async () => {
    const root = newDir('roots', 'model-bad');
    const model = join(work, 'bad-model.yaml');
    writeFileSync(model, 'version: 1\npackages:\n  - nano\n  - binary(\n');
    const r = await m(root, 'sync', '--model', model, '-y');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${model}:4: "binary(" is not a package name or a provider`);
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });
});
