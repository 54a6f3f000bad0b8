import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasCode } from '@serpent/errors';
import { sha256 } from '@serpent/stone';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadPath,
  type FetchIndexEvent,
  type FetchPackagesEvent,
  fetchIndex,
  fetchPackages,
  type IndexedPackage,
  type PackageFetchItem,
  packageUrl,
  repositoryCacheDir,
  writeIndex,
} from '../src/index.ts';
import { type Handler, httpServer, makeStone, meta, tempDir } from './helpers.ts';

let work: string;
let cleanup: () => Promise<void>;
let repoDir: string;
let server: Awaited<ReturnType<typeof httpServer>>;
let requests: string[];

/** Serves files of `repoDir`, logging each request path. */
const serveFiles: Handler = (req, res) => {
  requests.push(req.url ?? '');
  readFile(join(repoDir, decodeURIComponent(req.url ?? '/')))
    .then((body) => {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    })
    .catch(() => {
      res.writeHead(404);
      res.end();
    });
};

beforeEach(async () => {
  ({ dir: work, cleanup } = await tempDir('fetch'));
  repoDir = join(work, 'repo');
  requests = [];
  for (let i = 0; i < 6; i++) {
    // Sizes from ~1 KiB to a few hundred KiB (random bytes do not compress).
    const payload = Buffer.from(
      Array.from({ length: 2 ** (i + 10) }, (_, k) => (k * 7919 + i) % 251),
    ).toString('latin1');
    await makeStone(repoDir, `p/pkg${i}-1.0-1-1-x86_64.stone`, meta(`pkg${i}`), payload);
  }
  await writeIndex(repoDir);
  server = await httpServer(serveFiles);
});
afterEach(async () => {
  await server.close();
  await cleanup();
});

const cacheDir = () => join(work, 'cache');
const items = (pkgs: readonly IndexedPackage[], base = server.url): PackageFetchItem[] =>
  pkgs.map((p) => ({
    name: p.name,
    repo: 'test',
    url: packageUrl(`${base}stone.index`, p.packageUri),
    sha256: p.packageHash,
    size: p.packageSize,
  }));
const fast = { retryDelayMs: 5, idleTimeoutMs: 2000 };

describe('fetchIndex', () => {
  it('fetches over http into the repo cache dir and parses it', async () => {
    const dir = await repositoryCacheDir(work, `${server.url}stone.index`);
    expect(dir).toMatch(/\/\.moss\/repo\/[0-9a-f]{2,16}$/);
    const events: FetchIndexEvent[] = [];
    const got = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, dir, {
      onEvent: (e) => events.push(e),
    });
    expect(got.path).toBe(join(dir, 'stone.index'));
    expect(events.at(-1)).toEqual({
      type: 'progress',
      url: `${server.url}stone.index`,
      bytes: got.bytes,
      total: got.bytes,
    });
    expect(got.packages.map((p) => p.name)).toEqual(['pkg0', 'pkg1', 'pkg2', 'pkg3', 'pkg4', 'pkg5']);
    expect(await readFile(got.path)).toEqual(await readFile(join(repoDir, 'stone.index')));
    expect(got.sha256).toBe(sha256(await readFile(got.path)));
    expect(existsSync(`${got.path}.part`)).toBe(false);
  });

  it('a conditional re-fetch answered 304 reuses the cached index', async () => {
    const etag = '"v1"';
    const seen: (string | undefined)[] = [];
    server.setHandler((req, res) => {
      seen.push(req.headers['if-none-match']);
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      readFile(join(repoDir, 'stone.index')).then((body) => {
        res.writeHead(200, { etag, 'content-length': body.length });
        res.end(body);
      });
    });
    const dir = join(work, 'r');
    const repo = { id: 'test', uri: `${server.url}stone.index` };
    const first = await fetchIndex(repo, dir);
    expect([first.notModified, first.etag]).toEqual([false, etag]);
    const second = await fetchIndex(repo, dir, { previous: { etag: first.etag } });
    expect([second.notModified, second.sha256, second.packages]).toEqual([
      true,
      first.sha256,
      first.packages,
    ]);
    expect(existsSync(`${second.path}.part`)).toBe(false);
    // Without a usable cached copy the request is not conditional.
    await writeFile(first.path, 'damaged');
    const third = await fetchIndex(repo, dir, { previous: { etag } });
    expect(third.notModified).toBe(false);
    expect(third.sha256).toBe(first.sha256);
    expect(seen).toEqual([undefined, etag, undefined]);
  });

  it('fetches a file:// index', async () => {
    const uri = pathToFileURL(join(repoDir, 'stone.index')).href;
    const got = await fetchIndex({ id: 'local', uri }, join(work, 'r'));
    expect(got.packages).toHaveLength(6);
    expect(packageUrl(uri, got.packages[0]!.packageUri)).toBe(
      pathToFileURL(join(repoDir, 'p/pkg0-1.0-1-1-x86_64.stone')).href,
    );
  });

  it('a garbled index is refused and the previous good one is kept', async () => {
    const dir = join(work, 'r');
    const uri = `${server.url}stone.index`;
    const good = await fetchIndex({ id: 'test', uri }, dir);
    server.setHandler((_req, res) => {
      res.writeHead(200, { 'content-length': 9 });
      res.end('not stone');
    });
    const err = await fetchIndex({ id: 'test', uri }, dir).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_INDEX_INVALID')).toBe(true);
    expect(sha256(await readFile(good.path))).toBe(good.sha256);
  });

  it('a 404 fails at once, naming the URL and the status', async () => {
    const uri = `${server.url}missing/stone.index`;
    const err = await fetchIndex({ id: 'test', uri }, join(work, 'r'), fast).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toContain(uri);
    expect((err as Error).message).toContain('HTTP 404');
    expect(requests).toHaveLength(1);
  });
});

describe('fetchPackages', () => {
  it('downloads every package into the original cache layout, verified, with progress', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    const events: FetchPackagesEvent[] = [];
    const got = await fetchPackages(items(packages), {
      cacheDir: cacheDir(),
      concurrency: 3,
      onProgress: (e) => events.push(e),
    });
    const total = packages.reduce((n, p) => n + p.packageSize, 0);
    for (const [i, p] of packages.entries()) {
      const h = p.packageHash;
      expect(got[i]!.path).toBe(join(cacheDir(), 'downloads/v1', h.slice(0, 5), h.slice(-5), h));
      expect(got[i]!.path).toBe(downloadPath(cacheDir(), h));
      expect(sha256(await readFile(got[i]!.path))).toBe(h);
      expect(got[i]!.cached).toBe(false);
      expect(existsSync(`${got[i]!.path}.part`)).toBe(false);
    }
    expect(events[0]).toEqual({ type: 'start', packagesTotal: 6, bytesTotal: total });
    expect(events.at(-1)).toEqual({
      type: 'progress',
      packagesDone: 6,
      packagesTotal: 6,
      bytesDone: total,
      bytesTotal: total,
    });
    expect(events.filter((e) => e.type === 'package-done')).toHaveLength(6);
  });

  it('a verified cached copy is never downloaded again: works offline', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    const list = items(packages);
    await fetchPackages(list, { cacheDir: cacheDir() });
    const before = requests.length;
    await server.close();
    const again = await fetchPackages(list, { cacheDir: cacheDir(), ...fast, retries: 0 });
    expect(again.every((r) => r.cached)).toBe(true);
    expect(requests.length).toBe(before);
  });

  it('a cached copy that no longer verifies is deleted and fetched again', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    const list = items(packages).slice(0, 1);
    const [first] = await fetchPackages(list, { cacheDir: cacheDir() });
    const bytes = await readFile(first!.path);
    bytes[100] = (bytes[100]! + 1) % 256;
    await writeFile(first!.path, bytes);
    const events: FetchPackagesEvent[] = [];
    const [second] = await fetchPackages(list, { cacheDir: cacheDir(), onProgress: (e) => events.push(e) });
    expect(second!.cached).toBe(false);
    expect(events.some((e) => e.type === 'cache-corrupt')).toBe(true);
    expect(sha256(await readFile(second!.path))).toBe(list[0]!.sha256);
  });

  it('a corrupt download is refused: the file is deleted and the error names package, repo and both hashes', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    server.setHandler((req, res) => {
      readFile(join(repoDir, req.url ?? '')).then((body) => {
        if (req.url?.includes('pkg2')) body[body.length - 1] ^= 0xff;
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      });
    });
    const list = items(packages);
    const err = await fetchPackages(list, { cacheDir: cacheDir(), concurrency: 1, ...fast }).catch(
      (e: unknown) => e,
    );
    expect(hasCode(err, 'REPO_HASH_MISMATCH')).toBe(true);
    const bad = list[2]!;
    expect((err as Error).message).toContain('pkg2');
    expect((err as Error).message).toContain('repository test');
    expect((err as Error).message).toContain(bad.sha256);
    const details = (err as { details: Record<string, string> }).details;
    expect([details.package, details.repo, details.expected]).toEqual(['pkg2', 'test', bad.sha256]);
    expect(details.actual).toMatch(/^[0-9a-f]{64}$/);
    expect(details.actual).not.toBe(bad.sha256);
    const dest = downloadPath(cacheDir(), bad.sha256);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('a server that drops the connection mid-file is recovered by retrying', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    let dropped = 0;
    server.setHandler((req, res) => {
      requests.push(req.url ?? '');
      readFile(join(repoDir, req.url ?? '')).then((body) => {
        if (req.url?.includes('pkg5') && dropped < 2) {
          dropped++;
          res.writeHead(200, { 'content-length': body.length });
          res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
          return;
        }
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      });
    });
    const events: FetchPackagesEvent[] = [];
    const got = await fetchPackages(items(packages), {
      cacheDir: cacheDir(),
      ...fast,
      onProgress: (e) => events.push(e),
    });
    expect(dropped).toBe(2);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(retries.every((e) => (e as { name: string }).name === 'pkg5')).toBe(true);
    expect(sha256(await readFile(got[5]!.path))).toBe(packages[5]!.packageHash);
    // Progress did not count the bytes of the failed attempts.
    const last = events.at(-1) as { bytesDone: number; bytesTotal: number };
    expect(last.bytesDone).toBe(last.bytesTotal);
  });

  it('a truncated body is detected even without Content-Length, and names the URL after the retries', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    server.setHandler((req, res) => {
      requests.push(req.url ?? '');
      readFile(join(repoDir, req.url ?? '')).then((body) => {
        // Connection: close framing: the body is whatever arrives before the close.
        res.writeHead(200, { connection: 'close' });
        res.end(body.subarray(0, body.length - 10));
      });
    });
    const list = items(packages).slice(3, 4);
    const err = await fetchPackages(list, { cacheDir: cacheDir(), retries: 2, ...fast }).catch(
      (e: unknown) => e,
    );
    expect(hasCode(err, 'REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toContain(list[0]!.url);
    expect((err as Error).message).toContain(
      `body ended after ${list[0]!.size - 10} of ${list[0]!.size} bytes`,
    );
    expect(requests).toHaveLength(1 + 3); // the index fetch, then the first attempt and 2 retries
    expect(existsSync(`${downloadPath(cacheDir(), list[0]!.sha256)}.part`)).toBe(false);
  });

  it('a Content-Length body cut short is a retried failure too', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    server.setHandler((req, res) => {
      readFile(join(repoDir, req.url ?? '')).then((body) => {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 100), () => res.socket?.end());
      });
    });
    const err = await fetchPackages(items(packages).slice(0, 1), {
      cacheDir: cacheDir(),
      retries: 1,
      ...fast,
    }).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_FETCH_FAILED')).toBe(true);
    expect((err as { details: { reason: string } }).details.reason).toBeTruthy();
  });

  it('5xx is retried with backoff, 404 is not', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    let failures = 0;
    server.setHandler((req, res) => {
      if (failures++ < 2) {
        res.writeHead(503, 'Busy');
        res.end();
        return;
      }
      serveFiles(req, res);
    });
    const events: FetchPackagesEvent[] = [];
    await fetchPackages(items(packages).slice(0, 1), {
      cacheDir: cacheDir(),
      ...fast,
      onProgress: (e) => events.push(e),
    });
    const retries = events.filter((e) => e.type === 'retry') as { delayMs: number; reason: string }[];
    expect(retries.map((r) => r.reason)).toEqual(['HTTP 503 Busy', 'HTTP 503 Busy']);
    // Exponential: the second wait is about twice the first (±25 % jitter each).
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(retries[0]!.delayMs * 1.2 - 1);

    requests = [];
    const missing = { ...items(packages)[1]!, url: `${server.url}nope.stone` };
    const err = await fetchPackages([missing], { cacheDir: cacheDir(), ...fast }).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toContain(`${server.url}nope.stone`);
    expect(requests).toEqual(['/nope.stone']);
  });

  it('a stalled server times out and the attempt is retried', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    let stalls = 0;
    server.setHandler((req, res) => {
      if (stalls++ === 0) {
        res.writeHead(200, { 'content-length': 1_000_000 });
        res.write('x'); // then nothing
        return;
      }
      serveFiles(req, res);
    });
    const events: FetchPackagesEvent[] = [];
    const [got] = await fetchPackages(items(packages).slice(0, 1), {
      cacheDir: cacheDir(),
      retryDelayMs: 5,
      idleTimeoutMs: 200,
      onProgress: (e) => events.push(e),
    });
    expect(got!.cached).toBe(false);
    // The stall costs one retry; on a loaded machine the good answer may stall past 200 ms too,
    // which is the same timeout again, so only the reasons are exact, not their count.
    const reasons = events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason);
    expect(reasons.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reasons)).toEqual(new Set(['no data for 200 ms']));
  });

  it('file:// packages are copied into the cache and verified', async () => {
    const uri = pathToFileURL(join(repoDir, 'stone.index')).href;
    const { packages } = await fetchIndex({ id: 'local', uri }, join(work, 'r'));
    const got = await fetchPackages(
      packages.map((p) => ({
        name: p.name,
        repo: 'local',
        url: packageUrl(uri, p.packageUri),
        sha256: p.packageHash,
        size: p.packageSize,
      })),
      { cacheDir: cacheDir() },
    );
    for (const g of got) expect(sha256(await readFile(g.path))).toBe(g.sha256);
  });

  it('the caller can cancel', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    server.setHandler((_req, res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.write('x');
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await fetchPackages(items(packages), {
      cacheDir: cacheDir(),
      signal: ac.signal,
      ...fast,
    }).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_ABORTED')).toBe(true);
  });
});

describe('fetchPackages size checks', () => {
  it('a body longer than the index says is cut off and refused', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    server.setHandler((req, res) => {
      readFile(join(repoDir, req.url ?? '')).then((body) => {
        const more = Buffer.concat([body, Buffer.alloc(4096)]);
        res.writeHead(200, { 'content-length': more.length });
        res.end(more);
      });
    });
    const [item] = items(packages);
    const err = await fetchPackages([item!], { cacheDir: cacheDir(), ...fast }).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_SIZE_MISMATCH')).toBe(true);
    expect((err as Error).message).toContain(item!.url);
    expect(existsSync(`${downloadPath(cacheDir(), item!.sha256)}.part`)).toBe(false);
  });

  it('the same stone from two repositories is downloaded once', async () => {
    const { packages } = await fetchIndex({ id: 'test', uri: `${server.url}stone.index` }, join(work, 'r'));
    const [a] = items(packages);
    requests = [];
    const got = await fetchPackages([a!, { ...a!, repo: 'mirror' }], { cacheDir: cacheDir() });
    expect(requests).toHaveLength(1);
    expect(got.map((g) => g.repo)).toEqual(['test', 'mirror']);
    expect(got[0]!.path).toBe(got[1]!.path);
  });
});
