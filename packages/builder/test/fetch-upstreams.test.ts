import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchEvent, fetchUpstreams } from '../src/index.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('fetchUpstreams', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fetch-test-'));
  const payload = Buffer.from('a source tarball, more or less\n'.repeat(1000));
  const file = join(dir, 'src-1.0.tar.gz');
  writeFileSync(file, payload);
  let server: Server;
  let base = '';
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/src-1.0.tar.gz') res.end(payload);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a file:// upstream, verifies it, and serves the second build from the cache', async () => {
    const cacheDir = join(dir, 'cache1');
    const events: FetchEvent[] = [];
    const up = { kind: 'plain' as const, uri: pathToFileURL(file).href, hash: sha(payload) };
    const [first] = await fetchUpstreams([up], { cacheDir, onEvent: (e) => events.push(e) });
    expect(readFileSync(first!.path)).toEqual(payload);
    expect(events.map((e) => e.type)).toEqual(['upstream-fetching', 'upstream-fetched']);
    events.length = 0;
    rmSync(file); // the second build must not need the source any more
    const [second] = await fetchUpstreams([up], { cacheDir, onEvent: (e) => events.push(e) });
    expect(second!.path).toBe(first!.path);
    expect(events.map((e) => e.type)).toEqual(['upstream-cached']);
    writeFileSync(file, payload);
  });

  it('fetches over http once, then never again', async () => {
    const cacheDir = join(dir, 'cache2');
    const up = { kind: 'plain' as const, uri: `${base}/src-1.0.tar.gz`, hash: sha(payload).toUpperCase() };
    hits = 0;
    await fetchUpstreams([up], { cacheDir });
    await fetchUpstreams([up], { cacheDir });
    expect(hits).toBe(1);
  });

  it('refetches a damaged cache entry instead of trusting it', async () => {
    const cacheDir = join(dir, 'cache3');
    const up = { kind: 'plain' as const, uri: `${base}/src-1.0.tar.gz`, hash: sha(payload) };
    const [got] = await fetchUpstreams([up], { cacheDir });
    writeFileSync(got!.path, 'garbage');
    hits = 0;
    const [again] = await fetchUpstreams([up], { cacheDir });
    expect(hits).toBe(1);
    expect(readFileSync(again!.path)).toEqual(payload);
  });

  it('names the upstream and both hashes on a mismatch, and caches nothing', async () => {
    const cacheDir = join(dir, 'cache4');
    const wrong = sha('something else');
    const uri = pathToFileURL(file).href;
    const err = await fetchUpstreams([{ kind: 'plain', uri, hash: wrong }], { cacheDir }).catch((e) => e);
    expect(err.code).toBe('BUILD_UPSTREAM_HASH_MISMATCH');
    expect(err.message).toContain(uri);
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(sha(payload));
    expect(err.details).toMatchObject({ uri, expected: wrong, actual: sha(payload) });
    expect(spawnSync('find', [cacheDir, '-type', 'f'], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('reports HTTP errors and unsupported schemes with their own codes', async () => {
    const cacheDir = join(dir, 'cache5');
    await expect(
      fetchUpstreams([{ kind: 'plain', uri: `${base}/missing.tar.gz`, hash: sha('') }], { cacheDir }),
    ).rejects.toMatchObject({ code: 'BUILD_UPSTREAM_FETCH_FAILED' });
    await expect(
      fetchUpstreams([{ kind: 'plain', uri: 'ftp://example.org/x.tar', hash: sha('') }], { cacheDir }),
    ).rejects.toMatchObject({ code: 'BUILD_UPSTREAM_UNSUPPORTED' });
  });

  it.skipIf(spawnSync('git', ['--version']).status !== 0)(
    'mirrors a git upstream and finds its ref',
    async () => {
      const repo = join(dir, 'repo');
      const g = (...a: string[]) =>
        execFileSync('git', ['-C', repo, ...a], {
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@t',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@t',
          },
        });
      execFileSync('git', ['init', '-q', repo]);
      writeFileSync(join(repo, 'a.txt'), 'one');
      g('add', 'a.txt');
      g('commit', '-qm', 'one');
      g('tag', 'v1');
      const cacheDir = join(dir, 'cache6');
      const events: FetchEvent[] = [];
      const up = { kind: 'git' as const, uri: pathToFileURL(repo).href, ref: 'v1' };
      await fetchUpstreams([up], { cacheDir, onEvent: (e) => events.push(e) });
      await fetchUpstreams([up], { cacheDir, onEvent: (e) => events.push(e) });
      expect(events.map((e) => e.type)).toEqual(['upstream-fetching', 'upstream-fetched', 'upstream-cached']);
      await expect(fetchUpstreams([{ ...up, ref: 'v9' }], { cacheDir })).rejects.toMatchObject({
        code: 'BUILD_UPSTREAM_FETCH_FAILED',
      });
    },
  );
});
