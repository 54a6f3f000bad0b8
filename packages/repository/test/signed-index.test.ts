import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addRepository,
  fetchIndex,
  formatPublicKey,
  generateKeyPair,
  INDEX_SIGNATURE_NAME,
  loadRepositories,
  type MinisignSecretKey,
  signIndex,
  writeIndex,
} from '../src/index.ts';
import { type Handler, httpServer, makeStone, meta, tempDir } from './helpers.ts';

let work: string;
let cleanup: () => Promise<void>;
let repoDir: string;
let server: Awaited<ReturnType<typeof httpServer>>;
let requests: string[];

const serveFiles: Handler = (req, res) => {
  requests.push(req.url ?? '');
  readFile(join(repoDir, decodeURIComponent(req.url ?? '/')))
    .then((body) => res.writeHead(200, { 'content-length': body.length }).end(body))
    .catch(() => res.writeHead(404).end());
};

beforeEach(async () => {
  ({ dir: work, cleanup } = await tempDir('signed'));
  repoDir = join(work, 'repo');
  requests = [];
  server = await httpServer(serveFiles);
});
afterEach(async () => {
  await server.close();
  await cleanup();
});

const fast = { retryDelayMs: 5, idleTimeoutMs: 2000 };
const cacheDir = () => join(work, 'cache');
const uri = () => `${server.url}stone.index`;

/** Publishes an index of `names` at `release`, signed by `key` (or unsigned) at `now`. */
async function publish(release: number, key: MinisignSecretKey | undefined, now?: Date): Promise<void> {
  for (const name of ['alpha', 'beta'])
    await makeStone(repoDir, `${name}-${release}.stone`, meta(name, release));
  for (const r of [release - 1, release - 2]) {
    rmSync(join(repoDir, `alpha-${r}.stone`), { force: true });
    rmSync(join(repoDir, `beta-${r}.stone`), { force: true });
  }
  await writeIndex(repoDir);
  if (key) await signIndex(repoDir, key, now ? { now } : {});
}
const releases = (got: { packages: readonly { release: number }[] }) => got.packages.map((p) => p.release);
const cachedIndex = () => readFileSync(join(cacheDir(), 'stone.index'));

describe('fetchIndex with trusted keys', () => {
  it('accepts an index signed by a trusted key and remembers nothing else', async () => {
    const key = generateKeyPair();
    await publish(1, key);
    const got = await fetchIndex({ id: 'main', uri: uri(), keys: [key.publicKey.base64] }, cacheDir(), fast);
    expect(releases(got)).toEqual([1, 1]);
    expect(got.signature?.keyId).toBe(key.id);
    expect(existsSync(join(cacheDir(), INDEX_SIGNATURE_NAME))).toBe(true);
    expect(existsSync(join(cacheDir(), 'stone.index.part'))).toBe(false);
    // Same signature again: the index is asked for conditionally, and a 304 reuses the cached one.
    requests = [];
    server.setHandler((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        requests.push(`${req.url} 304`);
        res.writeHead(304).end();
      } else serveFiles(req, res);
    });
    const again = await fetchIndex({ id: 'main', uri: uri(), keys: [key.publicKey.base64] }, cacheDir(), {
      ...fast,
      previous: { etag: '"v1"' },
    });
    expect(again.notModified).toBe(true);
    expect(again.signature?.keyId).toBe(key.id);
    expect(requests).toEqual(['/stone.index.minisig', '/stone.index 304']);
  });

  it('refuses an index changed under the signature it already had (no 304 from the mirror)', async () => {
    const key = generateKeyPair();
    const repo = { id: 'main', uri: uri(), keys: [key.publicKey.base64] };
    await publish(1, key);
    await fetchIndex(repo, cacheDir(), fast);
    const good = cachedIndex();
    const sig = readFileSync(join(repoDir, INDEX_SIGNATURE_NAME));
    await publish(2, undefined);
    writeFileSync(join(repoDir, INDEX_SIGNATURE_NAME), sig);
    await expect(fetchIndex(repo, cacheDir(), { ...fast, previous: { etag: '"v1"' } })).rejects.toMatchObject(
      {
        code: 'REPO_SIGNATURE_MISMATCH',
      },
    );
    expect(cachedIndex().equals(good)).toBe(true);
  });

  it('refuses a missing signature, another key, and a tampered index, keeping the last good index', async () => {
    const key = generateKeyPair();
    const repo = { id: 'main', uri: uri(), keys: [key.publicKey.base64] };
    await publish(1, key);
    await fetchIndex(repo, cacheDir(), fast);
    const good = cachedIndex();
    const goodSig = readFileSync(join(cacheDir(), INDEX_SIGNATURE_NAME));

    await publish(2, undefined);
    rmSync(join(repoDir, INDEX_SIGNATURE_NAME));
    await expect(fetchIndex(repo, cacheDir(), fast)).rejects.toMatchObject({
      code: 'REPO_SIGNATURE_MISSING',
      message: expect.stringContaining(`${server.url}stone.index.minisig`),
    });

    const intruder = generateKeyPair();
    await signIndex(repoDir, intruder);
    await expect(fetchIndex(repo, cacheDir(), fast)).rejects.toMatchObject({
      code: 'REPO_SIGNATURE_UNTRUSTED',
      message: expect.stringContaining(`signed by key ${intruder.id}, which is not a trusted key of main`),
      details: expect.objectContaining({ keyId: intruder.id, trustedKeys: [key.id] }),
    });

    // Signed properly, then one package entry changed on the way (a mirror swapping a stone).
    await signIndex(repoDir, key);
    const index = readFileSync(join(repoDir, 'stone.index'));
    await makeStone(repoDir, 'alpha-2.stone', meta('alpha', 2), 'trojan\n');
    const sig = readFileSync(join(repoDir, INDEX_SIGNATURE_NAME));
    await writeIndex(repoDir);
    writeFileSync(join(repoDir, INDEX_SIGNATURE_NAME), sig);
    expect(readFileSync(join(repoDir, 'stone.index')).equals(index)).toBe(false);
    await expect(fetchIndex(repo, cacheDir(), fast)).rejects.toMatchObject({
      code: 'REPO_SIGNATURE_MISMATCH',
      message: expect.stringContaining(`does not match its signature by key ${key.id}`),
    });

    expect(cachedIndex().equals(good)).toBe(true);
    expect(readFileSync(join(cacheDir(), INDEX_SIGNATURE_NAME)).equals(goodSig)).toBe(true);
    expect(existsSync(join(cacheDir(), 'stone.index.part'))).toBe(false);
    expect(existsSync(join(cacheDir(), `${INDEX_SIGNATURE_NAME}.part`))).toBe(false);
  });

  it('cuts off an oversized signature, announced or streamed, and keeps the last good index', async () => {
    const key = generateKeyPair();
    const repo = { id: 'main', uri: uri(), keys: [key.publicKey.base64] };
    await publish(1, key);
    await fetchIndex(repo, cacheDir(), fast);
    const good = cachedIndex();
    await publish(2, key);
    for (const announced of [true, false]) {
      server.setHandler((req, res) => {
        if (req.url !== `/${INDEX_SIGNATURE_NAME}`) return serveFiles(req, res);
        // 1 MiB of "signature": with its Content-Length, or chunked with none.
        const body = Buffer.alloc(1 << 20, 0x41);
        res.writeHead(200, announced ? { 'content-length': body.length } : {});
        res.end(body);
      });
      await expect(fetchIndex(repo, cacheDir(), fast)).rejects.toMatchObject({
        code: 'REPO_SIGNATURE_INVALID',
        message: expect.stringContaining('not a minisign signature'),
      });
      expect(cachedIndex().equals(good)).toBe(true);
      // Nothing of the refused download is left (its `.new` and `.part` names).
      expect(readdirSync(cacheDir()).filter((n) => n.endsWith('.part') || n.endsWith('.new'))).toEqual([]);
    }
  });

  it('refuses a replayed older signed index (downgrade) and keeps the newer one', async () => {
    const key = generateKeyPair();
    const repo = { id: 'main', uri: uri(), keys: [key.publicKey.base64] };
    await publish(1, key, new Date('2026-01-01T00:00:00Z'));
    const old = join(work, 'old');
    cpSync(repoDir, old, { recursive: true });
    await publish(2, key, new Date('2026-02-01T00:00:00Z'));
    expect(releases(await fetchIndex(repo, cacheDir(), fast))).toEqual([2, 2]);
    const newer = cachedIndex();
    // The attacker serves the old index with its own, perfectly valid, older signature.
    rmSync(repoDir, { recursive: true });
    cpSync(old, repoDir, { recursive: true });
    await expect(fetchIndex(repo, cacheDir(), fast)).rejects.toMatchObject({
      code: 'REPO_INDEX_REPLAYED',
      message: expect.stringContaining('2026-01-01T00:00:00.000Z, before the index already in use'),
    });
    expect(cachedIndex().equals(newer)).toBe(true);
  });

  it('writeIndex signs the index it wrote when given a key, and says so', async () => {
    const key = generateKeyPair();
    await makeStone(repoDir, 'alpha-1.stone', meta('alpha', 1));
    const r = await writeIndex(repoDir, { sign: key });
    expect(r.signature).toMatchObject({ path: join(repoDir, INDEX_SIGNATURE_NAME), keyId: key.id });
    const got = await fetchIndex({ id: 'main', uri: uri(), keys: [key.publicKey.base64] }, cacheDir(), fast);
    expect(got.signature?.keyId).toBe(key.id);
    expect((await writeIndex(repoDir)).signature).toBeUndefined();
  });

  it('signIndex always moves the timestamp forward, even within one second', async () => {
    const key = generateKeyPair();
    await publish(1, key);
    const now = new Date('2030-01-01T00:00:00Z');
    const a = await signIndex(repoDir, key, { now });
    const b = await signIndex(repoDir, key, { now });
    expect(b.timestamp).toBe(a.timestamp + 1);
  });

  it('rotates keys: both trusted during the change, then only the new one', async () => {
    const oldKey = generateKeyPair();
    const newKey = generateKeyPair();
    await publish(1, oldKey);
    const both = { id: 'main', uri: uri(), keys: [oldKey.publicKey.base64, newKey.publicKey.base64] };
    expect((await fetchIndex(both, cacheDir(), fast)).signature?.keyId).toBe(oldKey.id);
    await publish(2, newKey);
    expect((await fetchIndex(both, cacheDir(), fast)).signature?.keyId).toBe(newKey.id);
    const onlyNew = { ...both, keys: [newKey.publicKey.base64] };
    await publish(3, newKey);
    expect(releases(await fetchIndex(onlyNew, cacheDir(), fast))).toEqual([3, 3]);
    // After the change an index signed by the retired key is refused.
    await publish(4, oldKey);
    await expect(fetchIndex(onlyNew, cacheDir(), fast)).rejects.toMatchObject({
      code: 'REPO_SIGNATURE_UNTRUSTED',
    });
  });

  it('verifies file:// repositories the same way', async () => {
    const key = generateKeyPair();
    await publish(1, key);
    const fileUri = pathToFileURL(join(repoDir, 'stone.index')).href;
    const got = await fetchIndex(
      { id: 'local', uri: fileUri, keys: [key.publicKey.base64] },
      cacheDir(),
      fast,
    );
    expect(got.signature?.keyId).toBe(key.id);
    rmSync(join(repoDir, INDEX_SIGNATURE_NAME));
    await expect(
      fetchIndex({ id: 'local', uri: fileUri, keys: [key.publicKey.base64] }, cacheDir(), fast),
    ).rejects.toMatchObject({ code: 'REPO_SIGNATURE_MISSING' });
  });
});

describe('repository configuration with keys', () => {
  it('adds keys (base64 lines or .pub texts), keeps them through enable/disable, drops bad entries', async () => {
    const root = join(work, 'root');
    const a = generateKeyPair();
    const b = generateKeyPair();
    const repo = await addRepository(root, {
      id: 'main',
      uri: 'https://example.invalid/stone.index',
      keys: [a.publicKey.base64, formatPublicKey(b.publicKey), a.publicKey.base64],
    });
    expect(repo.keys).toEqual([a.publicKey.base64, b.publicKey.base64]);
    expect(readFileSync(repo.source, 'utf8')).toContain(`keys:\n    - ${a.publicKey.base64}`);
    const { repositories } = await loadRepositories(root);
    expect(repositories[0]?.keys).toEqual([a.publicKey.base64, b.publicKey.base64]);

    writeFileSync(
      join(root, 'etc/moss/repo.d/bad.yaml'),
      'bad:\n  uri: https://example.invalid/x/stone.index\n  keys: [RWQnotakey]\n',
    );
    const loaded = await loadRepositories(root);
    expect(loaded.repositories.map((r) => r.id)).toEqual(['main']);
    expect(loaded.problems[0]?.message).toMatch(/repository bad: a key of bad: not a minisign public key/);
    await expect(
      addRepository(root, { id: 'x', uri: 'https://example.invalid/stone.index', keys: ['nope'] }),
    ).rejects.toMatchObject({ code: 'REPO_KEY_INVALID' });
  });
});
