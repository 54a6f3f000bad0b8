import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, hashUrl } from '../src/index.js';

// A real HTTP server on 127.0.0.1 whose handler each test sets, and real files.
const dir = mkdtempSync(join(tmpdir(), 'fetch-'));
const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => res.end();
let server: Server;
let base = '';
const requests: { range: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ range: req.headers.range });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const dest = (name: string) => join(dir, name);
const fast = { retryDelayMs: 5, idleTimeoutMs: 2000 };

describe('download', () => {
  it('copies a file:// source after checking its size and SHA-256, and leaves no .part', async () => {
    const src = dest('src.bin');
    writeFileSync(src, body);
    const r = await download(pathToFileURL(src), dest('a/copy.bin'), {
      sha256: sha(body),
      size: body.length,
    });
    expect(r.bytes).toBe(body.length);
    expect(readFileSync(dest('a/copy.bin')).equals(body)).toBe(true);
    expect(existsSync(dest('a/copy.bin.part'))).toBe(false);
  });

  it('refuses bytes with another SHA-256, keeping neither the file nor the .part', async () => {
    handler = (_, res) => res.end(body);
    const err = await download(`${base}/x`, dest('bad.bin'), { sha256: '0'.repeat(64), ...fast }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'FETCH_HASH_MISMATCH', details: { actual: sha(body) } });
    expect(existsSync(dest('bad.bin'))).toBe(false);
    expect(existsSync(dest('bad.bin.part'))).toBe(false);
  });

  it('resumes after a dropped connection with a Range request, fetching only what is missing', async () => {
    requests.length = 0;
    let first = true;
    handler = (req, res) => {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (first) {
        first = false;
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 50));
        return;
      }
      const from = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, { 'content-length': body.length - from });
      res.end(body.subarray(from));
    };
    const retries: string[] = [];
    const r = await download(`${base}/resume`, dest('resumed.bin'), {
      sha256: sha(body),
      size: body.length,
      onRetry: (x) => retries.push(x.reason),
      ...fast,
    });
    expect(r.sha256).toBe(sha(body));
    expect(readFileSync(dest('resumed.bin')).equals(body)).toBe(true);
    expect(retries).toHaveLength(1);
    expect(requests[0]!.range).toBeUndefined();
    expect(requests[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('starts over when the server ignores the Range request', async () => {
    writeFileSync(dest('over.bin.part'), body.subarray(0, 5000));
    handler = (_, res) => res.end(body);
    const r = await download(`${base}/over`, dest('over.bin'), { sha256: sha(body), ...fast });
    expect(r.bytes).toBe(body.length);
    expect(readFileSync(dest('over.bin')).equals(body)).toBe(true);
  });

  it('does not retry a 404, and fails with the status', async () => {
    requests.length = 0;
    handler = (_, res) => {
      res.statusCode = 404;
      res.end('no');
    };
    await expect(download(`${base}/missing`, dest('missing.bin'), fast)).rejects.toMatchObject({
      code: 'FETCH_FAILED',
      details: { status: 404 },
    });
    expect(requests).toHaveLength(1);
  });

  it('stops a body larger than the expected size', async () => {
    handler = (_, res) => res.end(body);
    await expect(download(`${base}/big`, dest('big.bin'), { size: 1000, ...fast })).rejects.toMatchObject({
      code: 'FETCH_SIZE_MISMATCH',
    });
    expect(existsSync(dest('big.bin.part'))).toBe(false);
  });

  it('refuses a body above maxBytes from its Content-Length, before reading it, and names the limit', async () => {
    requests.length = 0;
    handler = (_, res) => res.end(body);
    const err = await download(`${base}/huge`, dest('huge.bin'), {
      maxBytes: 1000,
      maxBytesName: 'the test limit',
      ...fast,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FETCH_TOO_LARGE' });
    expect((err as Error).message).toContain(`${body.length} bytes, more than the test limit`);
    expect(requests).toHaveLength(1); // never retried
    expect(existsSync(dest('huge.bin.part'))).toBe(false);
    // Within the limit it is an ordinary download.
    const ok = await download(`${base}/huge`, dest('huge.bin'), { maxBytes: body.length, ...fast });
    expect(ok.sha256).toBe(sha(body));
  });

  it('stops a body without a length as soon as it passes maxBytes', async () => {
    handler = (_, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.end(body);
    };
    await expect(
      download(`${base}/chunked`, dest('chunked.bin'), { maxBytes: 1000, ...fast }),
    ).rejects.toMatchObject({ code: 'FETCH_TOO_LARGE' });
    expect(existsSync(dest('chunked.bin.part'))).toBe(false);
  });

  it('reads only regular local files, and refuses one larger than the limit from its size', async () => {
    // A character device reports size 0 and never ends: refused before a read.
    await expect(download('file:///dev/zero', dest('zero.bin'), { size: 10 })).rejects.toMatchObject({
      code: 'FETCH_FAILED',
      message: expect.stringContaining('not a regular file'),
    });
    const src = dest('local-big.bin');
    writeFileSync(src, body);
    await expect(
      download(pathToFileURL(src), dest('local-copy.bin'), { maxBytes: 10 }),
    ).rejects.toMatchObject({
      code: 'FETCH_TOO_LARGE',
      message: expect.stringContaining(`${body.length} bytes`),
    });
    expect(existsSync(dest('local-copy.bin'))).toBe(false);
  });

  it('retries a stalled peer after the idle timeout', async () => {
    let calls = 0;
    handler = (_, res) => {
      if (calls++ === 0) {
        res.writeHead(200);
        res.write(body.subarray(0, 10)); // then nothing
        return;
      }
      res.end(body);
    };
    const r = await download(`${base}/stall`, dest('stall.bin'), {
      ...fast,
      idleTimeoutMs: 200,
      resume: false,
    });
    expect(r.sha256).toBe(sha(body));
    expect(calls).toBe(2);
  });

  it('refuses a URL of another scheme', async () => {
    await expect(download('ftp://example.org/x', dest('ftp.bin'))).rejects.toMatchObject({
      code: 'FETCH_BAD_URL',
    });
  });
});

describe('hashUrl', () => {
  it('hashes what a URL serves without keeping it', async () => {
    handler = (_, res) => res.end(body);
    expect(await hashUrl(`${base}/h`, fast)).toEqual({ sha256: sha(body), bytes: body.length });
  });
});
