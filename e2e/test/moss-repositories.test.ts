import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, mossAsync } from './support/paths.js';
import { makeStone } from './support/stones.js';

// A real HTTP server on 127.0.0.1 serves repositories made with `moss index`; moss installs
// from it by name and by provider, layers two repositories by priority, syncs when they change,
// refuses a corrupt download, retries a dropped connection and reinstalls offline from its cache.
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss repository e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-repo-e2e-'));

/** What the server does to a request: serve it, corrupt the body, or cut it short. */
const faults = new Map<string, 'corrupt' | 'drop-once'>();
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
    let body = readFileSync(file);
    const fault = faults.get(basename(path));
    if (fault === 'corrupt') {
      body = Buffer.from(body);
      body[body.length - 10]! ^= 0xff;
    }
    res.writeHead(200, { 'content-length': body.length });
    if (fault === 'drop-once') {
      faults.delete(basename(path));
      res.write(body.subarray(0, body.length >> 1));
      res.socket?.destroy();
      return;
    }
    res.end(body);
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
function newRoot(name: string): string {
  const root = join(work, 'roots', name);
  mkdirSync(root, { recursive: true });
  return root;
}
const m = (root: string, ...args: string[]) => mossAsync(['-D', root, ...args]);
const installed = async (root: string) =>
  (
    JSON.parse((await m(root, 'list', 'installed', '--json')).stdout) as {
      name: string;
      version: string;
      release: number;
    }[]
  ).map((p) => `${p.name}-${p.version}-${p.release}`);

const zlib = (release: number, version = `1.${release}`) => ({
  name: 'zlib',
  version,
  release,
  provides: ['soname(libz.so.1(x86_64))', 'pkgconfig(zlib)'],
  files: { 'lib/libz.so.1': `zlib ${version}\n` },
});
const nano = (release = 1) => ({
  name: 'nano',
  version: '8.0',
  release,
  provides: ['binary(nano)'],
  depends: ['soname(libz.so.1(x86_64))'],
  files: { 'bin/nano': { content: `#!/bin/sh\necho nano ${release}\n`, mode: 0o755 } },
});

describe.skipIf(skip !== undefined)('moss with repositories over HTTP', () => {
  it('indexes, adds a repository and installs by name and by provider', async () => {
    const uri = await repoDir('main', [
      zlib(1),
      nano(),
      { name: 'extra', provides: ['binary(extra)'], files: { 'bin/extra': 'x' } },
    ]);
    const root = newRoot('byname');
    const add = await m(root, 'repo', 'add', 'main', uri);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toContain('Refreshed main: 3 package(s)');
    const r = await m(root, 'install', 'nano', '-y');
    expect(r.status, r.stderr).toBe(0);
    expect(await installed(root)).toEqual(['nano-8.0-1', 'zlib-1.1-1']);
    expect((await m(root, 'install', 'binary(extra)', '-y')).status).toBe(0);
    expect(await installed(root)).toContain('extra-1.0-1');
    const info = await m(root, 'info', 'soname(libz.so.1(x86_64))');
    expect(info.stdout).toContain('Name              zlib');
    const search = JSON.parse((await m(root, 'search', 'nan', '--json')).stdout) as {
      name: string;
      repository: string;
    }[];
    expect(search.map((s) => [s.name, s.repository])).toEqual([['nano', 'main']]);
  });

  it('explains an unsatisfiable request with the chain that needs the missing provider', async () => {
    const uri = await repoDir('broken', [nano()]);
    const root = newRoot('broken');
    expect((await m(root, 'repo', 'add', 'broken', uri)).status).toBe(0);
    const r = await m(root, 'install', 'nano', '-y');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('soname(libz.so.1(x86_64))');
    expect(r.stderr).toMatch(/nano/);
  });

  it('layers two repositories by priority, and sync follows upgrades, downgrades and removals', async () => {
    const low = await repoDir('low', [zlib(2), nano()]);
    const high = await repoDir('high', [zlib(1)]);
    const root = newRoot('layers');
    expect((await m(root, 'repo', 'add', 'low', low, '-p', '0')).status).toBe(0);
    expect((await m(root, 'repo', 'add', 'high', high, '-p', '10')).status).toBe(0);
    expect((await m(root, 'repo', 'list')).stdout).toMatch(/- high = .*\[10\][\s\S]*- low = .*\[0\]/);
    expect((await m(root, 'install', 'nano', '-y')).status).toBe(0);
    // The higher-priority repository wins over the newer release.
    expect(await installed(root)).toEqual(['nano-8.0-1', 'zlib-1.1-1']);
    // Upstream: high drops zlib (so low's release 2 becomes the candidate) and nano gets release 2.
    await repoDir('high', [{ name: 'unrelated', files: { 'share/u': 'u' } }]);
    await repoDir('low', [zlib(2), nano(2)]);
    const up = await m(root, 'sync', '-u', '-y');
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toContain('zlib 1.1-1 → 1.2-2');
    expect(await installed(root)).toEqual(['nano-8.0-2', 'zlib-1.2-2']);
    expect(readFileSync(join(root, 'usr/bin/nano'), 'utf8')).toContain('nano 2');
    // Downgrade: low goes back to zlib release 1; sync matches the repositories.
    await repoDir('low', [zlib(1), nano(2)]);
    const down = await m(root, 'sync', '-u', '-y');
    expect(down.status, down.stderr).toBe(0);
    expect(down.stdout).toContain('Downgrade:');
    expect(await installed(root)).toEqual(['nano-8.0-2', 'zlib-1.1-1']);
    // nano removed upstream: it stays installed, and sync says so.
    await repoDir('low', [zlib(1)]);
    const gone = await m(root, 'sync', '-u', '-y');
    expect(gone.stdout).toContain('No packages to sync');
    expect(await installed(root)).toEqual(['nano-8.0-2', 'zlib-1.1-1']);
  });

  it('refuses a corrupt download, naming package and repository, and changes nothing', async () => {
    const uri = await repoDir('corrupt', [zlib(1)]);
    const root = newRoot('corrupt');
    expect((await m(root, 'repo', 'add', 'corrupt', uri)).status).toBe(0);
    faults.set('zlib-1.1-1-1-x86_64.stone', 'corrupt');
    const r = await m(root, 'install', 'zlib', '-y');
    faults.delete('zlib-1.1-1-1-x86_64.stone');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('zlib');
    expect(r.stderr).toContain('corrupt');
    expect(r.stderr.toLowerCase()).toContain('sha-256');
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });

  it('recovers from a dropped connection by retrying, then reinstalls offline from its cache', async () => {
    const uri = await repoDir('flaky', [zlib(1), nano()]);
    const root = newRoot('flaky');
    expect((await m(root, 'repo', 'add', 'flaky', uri)).status).toBe(0);
    faults.set('nano-8.0-1-1-x86_64.stone', 'drop-once');
    const r = await m(root, 'install', 'nano', '-y');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('retrying');
    expect(await installed(root)).toEqual(['nano-8.0-1', 'zlib-1.1-1']);
    // Offline: the server is told to fail everything; the verified downloads in the cache serve.
    expect((await m(root, 'remove', 'nano', '-y')).status).toBe(0);
    const before = hits.get('/flaky/nano-8.0-1-1-x86_64.stone');
    rmSync(join(work, 'www', 'flaky'), { recursive: true });
    const again = await m(root, 'install', 'nano', '-y');
    expect(again.status, again.stderr).toBe(0);
    expect(await installed(root)).toEqual(['nano-8.0-1', 'zlib-1.1-1']);
    expect(hits.get('/flaky/nano-8.0-1-1-x86_64.stone')).toBe(before);
  });

  it('moss index reuses unchanged stones and reports what changed', async () => {
    const dir = join(work, 'www', 'reindex');
    await repoDir('reindex', [zlib(1), nano()]);
    const again = JSON.parse((await mossAsync(['index', dir, '--json'])).stdout) as {
      hashed: number;
      reused: number;
      unchanged: number;
    };
    expect(again).toMatchObject({ hashed: 0, reused: 2, unchanged: 2 });
    await makeStone(dir, nano(2));
    rmSync(join(dir, 'nano-8.0-1-1-x86_64.stone'));
    const third = JSON.parse((await mossAsync(['index', dir, '--json'])).stdout) as {
      hashed: number;
      reused: number;
      updated: string[];
    };
    expect(third).toMatchObject({ hashed: 1, reused: 1, updated: ['nano'] });
  });
});
