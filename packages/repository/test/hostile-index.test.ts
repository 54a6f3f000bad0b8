import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasCode } from '@serpent/errors';
import { encodeRepositoryIndex, sha256 } from '@serpent/stone';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchIndex, fetchPackages, packageUrl } from '../src/index.ts';
import { httpServer, meta, tempDir } from './helpers.ts';

let work: string;
let cleanup: () => Promise<void>;
let server: Awaited<ReturnType<typeof httpServer>>;

beforeEach(async () => {
  ({ dir: work, cleanup } = await tempDir('hostile'));
  server = await httpServer((_req, res) => res.writeHead(404).end());
});
afterEach(async () => {
  await server.close();
  await cleanup();
});

/** A real index whose one package names `packageUri`. */
function indexNaming(packageUri: string, name = 'shadow'): Promise<Uint8Array> {
  return encodeRepositoryIndex([
    {
      ...meta(name),
      packageUri,
      packageHash: sha256(new TextEncoder().encode(packageUri)),
      packageSize: 100,
    },
  ]);
}

describe('a remote index cannot make moss read local files (issue 14, C6)', () => {
  it('refuses an http:// index whose package URI is file:///etc/shadow, keeping the last good index', async () => {
    const good = await indexNaming('s/ok-1.0-1-1-x86_64.stone', 'ok');
    const bad = await indexNaming('file:///etc/shadow');
    let body = good;
    server.setHandler((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
    const dir = join(work, 'repo');
    const repo = { id: 'remote', uri: `${server.url}stone.index` };
    await fetchIndex(repo, dir);
    body = bad;
    const err = await fetchIndex(repo, dir).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_INDEX_INVALID')).toBe(true);
    expect((err as Error).message).toContain('file:///etc/shadow');
    expect((err as Error).message).toContain('shadow');
    // The cached index is still the good one, and no .part is left.
    expect(await readFile(join(dir, 'stone.index'))).toEqual(Buffer.from(good));
    expect(existsSync(join(dir, 'stone.index.part'))).toBe(false);
  });

  it('packageUrl keeps a package in its index scheme, relative or absolute', () => {
    const idx = 'http://127.0.0.1:9/repo/x86_64/stone.index';
    expect(packageUrl(idx, 'n/nano.stone')).toBe('http://127.0.0.1:9/repo/x86_64/n/nano.stone');
    expect(packageUrl(idx, '../../other/nano.stone')).toBe('http://127.0.0.1:9/other/nano.stone');
    for (const hostile of ['file:///etc/shadow', 'file:/dev/zero', 'ftp://x/y.stone']) {
      expect(() => packageUrl(idx, hostile, 'evil')).toThrow(
        expect.objectContaining({ code: 'REPO_BAD_URI', message: expect.stringContaining('evil') }),
      );
    }
    // A local index names local files: that is what it is for.
    expect(packageUrl('file:///srv/repo/stone.index', 'n/nano.stone')).toBe('file:///srv/repo/n/nano.stone');
  });

  it('a local package read is bounded: file:///dev/zero fails at once instead of reading forever', async () => {
    const started = performance.now();
    const err = await fetchPackages(
      [{ name: 'zero', repo: 'local', url: 'file:///dev/zero', sha256: 'a'.repeat(64), size: 1000 }],
      { cacheDir: join(work, 'cache'), retries: 0 },
    ).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toContain('not a regular file');
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('a local package larger than the index says is refused from its size, before reading it', async () => {
    const big = join(work, 'big.stone');
    await writeFile(big, Buffer.alloc(5000));
    const err = await fetchPackages(
      [{ name: 'big', repo: 'local', url: pathToFileURL(big).href, sha256: 'b'.repeat(64), size: 1000 }],
      { cacheDir: join(work, 'cache'), retries: 0 },
    ).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_SIZE_MISMATCH')).toBe(true);
    expect((err as Error).message).toContain('5000 bytes');
  });
});

describe('an index of any size is refused early (issue 14, C11)', () => {
  it('refuses from Content-Length before reading the body', async () => {
    let sent = 0;
    server.setHandler((_req, res) => {
      res.writeHead(200, { 'content-length': 64 << 20 });
      const chunk = Buffer.alloc(64 << 10);
      const pump = () => {
        while (sent < 64 << 20) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {});
      pump();
    });
    const err = await fetchIndex({ id: 'big', uri: `${server.url}stone.index` }, join(work, 'repo'), {
      maxBytes: 1 << 20,
    }).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_INDEX_TOO_LARGE')).toBe(true);
    expect((err as Error).message).toContain(`${64 << 20} bytes`);
    expect(existsSync(join(work, 'repo', 'stone.index.part'))).toBe(false);
    // Refused at the headers: far less than the whole body ever left the server.
    expect(sent).toBeLessThan(32 << 20);
  });

  it('refuses an endless body without a length as soon as it passes the limit', async () => {
    let closed = false;
    server.setHandler((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      const chunk = Buffer.alloc(64 << 10, 1);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => {
        closed = true;
        clearInterval(timer);
      });
    });
    const err = await fetchIndex({ id: 'endless', uri: `${server.url}stone.index` }, join(work, 'repo'), {
      maxBytes: 2 << 20,
      retries: 0,
    }).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_INDEX_TOO_LARGE')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(true);
  }, 30_000);

  it('refuses a local index above the limit from its size, and takes one within it', async () => {
    const idx = await indexNaming('s/ok-1.0-1-1-x86_64.stone', 'ok');
    const file = join(work, 'local', 'stone.index');
    await (await import('node:fs/promises')).mkdir(join(work, 'local'));
    await writeFile(file, idx);
    const repo = { id: 'local', uri: pathToFileURL(file).href };
    const err = await fetchIndex(repo, join(work, 'repo'), { maxBytes: idx.length - 1 }).catch(
      (e: unknown) => e,
    );
    expect(hasCode(err, 'REPO_INDEX_TOO_LARGE')).toBe(true);
    const ok = await fetchIndex(repo, join(work, 'repo'), { maxBytes: idx.length });
    expect(ok.packages.map((p) => p.name)).toEqual(['ok']);
  });
});
