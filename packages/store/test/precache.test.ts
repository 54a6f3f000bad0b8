import { existsSync } from 'node:fs';
import { chmod, lstat, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMPTY_DIGEST, xxh3_128 } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import { assetRelativePath, openStore, type PrecacheEvent } from '../src/index.ts';
import { flipContentByte } from './corrupt-stone.ts';
import { file, filesUnder, noise, stone, tempDir, text } from './helpers.ts';

async function digestOf(bytes: Uint8Array | string): Promise<string> {
  return xxh3_128(typeof bytes === 'string' ? text(bytes) : bytes);
}

/** Every asset in the store hashes to its name; returns their digests. */
async function assetsHashToTheirNames(assetsDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await filesUnder(assetsDir)) {
    const digest = await xxh3_128(await readFile(join(assetsDir, rel)));
    expect(assetRelativePath(digest), `asset ${rel}`).toBe(rel);
    out.push(digest);
  }
  return out.sort();
}

describe('precache', () => {
  it('stores every unique content under its moss name, read-only, and returns the records', async () => {
    const dir = await tempDir();
    const big = noise(6 * 1024 * 1024, 7); // over the in-memory limit: streamed to its temp file
    const path = await stone(join(dir, 'a.stone'), 'a', [
      file('bin/a', '#!/bin/sh\necho a\n', 0o755),
      file('share/a/readme', 'hello'),
      file('share/a/readme-copy', 'hello'),
      file('share/a/empty', ''),
      file('lib/a/big.bin', big),
      { type: 'symlink', target: 'bin/a2', source: 'a' },
      { type: 'directory', target: 'share/a/dir', mode: 0o755 },
    ]);
    const store = await openStore(join(dir, 'root'));
    expect(store.assetsDir).toBe(join(dir, 'root', '.moss', 'assets', 'v2'));
    const events: PrecacheEvent[] = [];
    const r = await store.precache(path, { onProgress: (e) => events.push(e) });

    expect(r.meta.name).toBe('a');
    expect(r.layout.map((e) => e.target).sort()).toEqual(
      [
        'bin/a',
        'bin/a2',
        'lib/a/big.bin',
        'share/a/dir',
        'share/a/empty',
        'share/a/readme',
        'share/a/readme-copy',
      ].sort(),
    );
    expect(r.index).toHaveLength(4);
    expect(r).toMatchObject({ assets: 4, assetsAdded: 4, assetsSkipped: 0, contentSkipped: false });
    expect(r.bytesWritten).toBe(big.length + 5 + 17);
    expect(r.contentBytes).toBe(r.bytesWritten);

    const expected = [
      await digestOf('#!/bin/sh\necho a\n'),
      await digestOf('hello'),
      EMPTY_DIGEST,
      await digestOf(big),
    ].sort();
    expect(await assetsHashToTheirNames(store.assetsDir)).toEqual(expected);
    for (const d of expected) expect(await store.has(d)).toBe(true);
    expect((await lstat(store.assetPath(await digestOf('#!/bin/sh\necho a\n')))).mode & 0o7777).toBe(0o755);
    expect((await lstat(store.assetPath(await digestOf('hello')))).mode & 0o7777).toBe(0o644);
    expect((await lstat(store.assetPath(EMPTY_DIGEST))).size).toBe(0);
    expect(await filesUnder(store.tempDir)).toEqual([]);

    expect(events[0]).toEqual({ type: 'start', stone: path, assets: 4, bytes: r.contentBytes });
    expect(events.at(-1)).toMatchObject({ type: 'done', stone: path });
    const last = events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ bytesDone: r.contentBytes, assetsDone: 4 });
  });

  it('skips a stone whose assets are all present without decoding its content', async () => {
    const dir = await tempDir();
    const path = await stone(join(dir, 'a.stone'), 'a', [file('a', 'one'), file('b', 'two')]);
    const store = await openStore(join(dir, 'root'));
    await store.precache(path);
    const again = await (await openStore(join(dir, 'root'))).precache(path);
    expect(again).toMatchObject({ assetsAdded: 0, assetsSkipped: 2, bytesWritten: 0, contentSkipped: true });
    expect(again.layout).toHaveLength(2);
  });

  it('finds the assets a store already had when opened (a second store over the same root)', async () => {
    const dir = await tempDir();
    const path = await stone(join(dir, 'a.stone'), 'a', [
      file('a/one', 'one'),
      file('a/two', noise(9000, 5)),
    ]);
    const root = join(dir, 'root');
    expect((await (await openStore(root, { fsync: false })).precache(path)).assetsAdded).toBe(2);
    const again = await (await openStore(root, { fsync: false })).precache(path);
    expect(again.assetsAdded).toBe(0);
    expect(again.contentSkipped).toBe(true);
  });

  it('hands each layout to onResult and returns results without layouts', async () => {
    const dir = await tempDir();
    const a = await stone(join(dir, 'a.stone'), 'a', [file('a/one', 'one')]);
    // No content in common: which of two stones unpacked at once stores a shared one is a race.
    const b = await stone(join(dir, 'b.stone'), 'b', [file('b/one', 'uno'), file('b/two', 'two')]);
    const store = await openStore(join(dir, 'root'), { fsync: false });
    const handed: [number, number][] = [];
    const results = await store.precacheMany([a, b], {
      threads: 0,
      onResult: (i, r) => handed.push([i, r.layout.length]),
    });
    expect(handed.sort()).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(results.map((r) => [r.meta.name, r.layout.length, r.assetsAdded])).toEqual([
      ['a', 0, 1],
      ['b', 0, 2],
    ]);
  });

  it('dedups content shared between stones, and the empty file', async () => {
    const dir = await tempDir();
    const a = await stone(join(dir, 'a.stone'), 'a', [
      file('a/shared', 'shared'),
      file('a/empty', ''),
      file('a/own', 'a'),
    ]);
    const b = await stone(join(dir, 'b.stone'), 'b', [
      file('b/shared', 'shared'),
      file('b/empty', ''),
      file('b/own', 'b'),
    ]);
    const store = await openStore(join(dir, 'root'));
    const ra = await store.precache(a);
    const rb = await store.precache(b);
    expect(ra).toMatchObject({ assetsAdded: 3, assetsSkipped: 0 });
    expect(rb).toMatchObject({ assetsAdded: 1, assetsSkipped: 2, bytesWritten: 1, contentSkipped: false });
    expect(await filesUnder(store.assetsDir)).toHaveLength(4);
  });

  it('writes content shared by stones precached concurrently exactly once', async () => {
    const dir = await tempDir();
    const shared = noise(300_000, 3);
    const paths: string[] = [];
    for (let i = 0; i < 6; i++) {
      paths.push(
        await stone(join(dir, `p${i}.stone`), `p${i}`, [
          file(`p${i}/shared`, shared),
          file(`p${i}/empty`, ''),
          file(`p${i}/own`, noise(100_000 + i, 100 + i)),
        ]),
      );
    }
    const store = await openStore(join(dir, 'root'));
    const results = await store.precacheMany(paths, { concurrency: 6 });
    expect(results.map((r) => r.meta.name)).toEqual(paths.map((_, i) => `p${i}`));
    expect(results.reduce((n, r) => n + r.assetsAdded, 0)).toBe(6 + 2);
    expect(results.reduce((n, r) => n + r.assetsAdded + r.assetsSkipped, 0)).toBe(6 * 3);
    expect(await assetsHashToTheirNames(store.assetsDir)).toHaveLength(8);
    expect(await filesUnder(store.tempDir)).toEqual([]);
  });

  it('refuses a stone with a flipped content byte, naming the stone and the file, storing none of it', async () => {
    const dir = await tempDir();
    const victim = noise(50_000, 9);
    const good = await stone(join(dir, 'good.stone'), 'good', [
      file('share/first', 'first'),
      file('share/victim.dat', victim),
      file('share/last', noise(5_000_000, 11)),
    ]);
    const bad = join(dir, 'bad-1.0-1-1-x86_64.stone');
    const victimDigest = await digestOf(victim);
    await flipContentByte(good, bad, victimDigest);
    const store = await openStore(join(dir, 'root'));

    const err = await store.precache(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'STORE_BAD_STONE',
      details: {
        stone: bad,
        stoneCode: 'STONE_CONTENT_HASH_MISMATCH',
        digest: victimDigest,
        paths: ['/usr/share/victim.dat'],
      },
    });
    expect((err as Error).message).toContain(bad);
    expect((err as Error).message).toContain('/usr/share/victim.dat');
    expect(existsSync(store.assetPath(victimDigest))).toBe(false);
    expect(await filesUnder(store.tempDir)).toEqual([]);
    // What was verified before the damage is complete and correct.
    for (const d of await assetsHashToTheirNames(store.assetsDir)) expect(d).not.toBe(victimDigest);

    // The good stone still precaches into the same store afterwards.
    expect(await store.precache(good)).toMatchObject({ assets: 3 });
    expect(await assetsHashToTheirNames(store.assetsDir)).toContain(victimDigest);
  });

  it('reports a missing or unreadable stone as STORE_BAD_STONE naming it', async () => {
    const dir = await tempDir();
    const store = await openStore(join(dir, 'root'));
    const notStone = join(dir, 'x.stone');
    await writeFile(notStone, 'definitely not a stone, but long enough for a header');
    await expect(store.precache(notStone)).rejects.toMatchObject({
      code: 'STORE_BAD_STONE',
      details: { stone: notStone, stoneCode: 'STONE_BAD_MAGIC' },
    });
  });

  it('replaces a truncated asset (what moss leaves when interrupted) instead of trusting it', async () => {
    const dir = await tempDir();
    const content = noise(10_000, 5);
    const path = await stone(join(dir, 'a.stone'), 'a', [file('a', content)]);
    const store = await openStore(join(dir, 'root'));
    await store.precache(path);
    const asset = store.assetPath(await digestOf(content));
    await chmod(asset, 0o644);
    await truncate(asset, 4_000);
    const fresh = await openStore(join(dir, 'root'));
    expect(await fresh.precache(path)).toMatchObject({ assetsAdded: 1 });
    expect(Buffer.compare(await readFile(asset), content)).toBe(0);
  });

  it('gives assets their mode whatever the umask', async () => {
    const dir = await tempDir();
    const path = await stone(join(dir, 'a.stone'), 'a', [file('x', 'x', 0o755), file('y', 'y')]);
    const old = process.umask(0o277);
    try {
      const store = await openStore(join(dir, 'root'));
      await store.precache(path);
      expect((await lstat(store.assetPath(await digestOf('x')))).mode & 0o777).toBe(0o755);
      expect((await lstat(store.assetPath(await digestOf('y')))).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });

  it('stops when aborted, leaving only complete assets and no temp files', async () => {
    const dir = await tempDir();
    const entries = Array.from({ length: 40 }, (_, i) => file(`f${i}`, noise(512 * 1024, i + 1)));
    const path = await stone(join(dir, 'a.stone'), 'a', entries);
    const store = await openStore(join(dir, 'root'));
    const ctl = new AbortController();
    const run = store.precache(path, {
      signal: ctl.signal,
      onProgress: (e) => {
        if (e.type === 'progress') ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'STORE_ABORTED', details: { stone: path } });
    const stored = await assetsHashToTheirNames(store.assetsDir);
    expect(stored.length).toBeLessThan(40);
    expect(await filesUnder(store.tempDir)).toEqual([]);
    expect(await store.precache(path)).toMatchObject({ assetsAdded: 40 - stored.length });
  });

  it('stops the other stones of precacheMany on the first failure', async () => {
    const dir = await tempDir();
    const paths = [await stone(join(dir, 'ok.stone'), 'ok', [file('ok', 'ok')]), join(dir, 'missing.stone')];
    const store = await openStore(join(dir, 'root'));
    await expect(store.precacheMany(paths, { concurrency: 1 })).rejects.toMatchObject({
      code: 'STORE_BAD_STONE',
      details: { stone: join(dir, 'missing.stone') },
    });
  });
});

describe('precache racing a damaged stone with the same content', () => {
  it('still stores the content when the precache that claimed it first fails', async () => {
    const dir = await tempDir();
    const victim = noise(3_000_000, 21);
    const victimDigest = await xxh3_128(victim);
    const good = await stone(join(dir, 'good.stone'), 'good', [
      file('v', victim),
      file('g', noise(2_000_000, 22)),
    ]);
    const source = await stone(join(dir, 'src.stone'), 'src', [file('v', victim), file('s', 'other')]);
    const bad = join(dir, 'bad.stone');
    await flipContentByte(source, bad, victimDigest);
    const store = await openStore(join(dir, 'root'));
    // The damaged stone starts first, so it usually holds the claim on the victim's content when
    // the good one reaches it; either way the good one must end up storing it.
    const [b, g] = await Promise.allSettled([store.precache(bad), store.precache(good)]);
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'STORE_BAD_STONE' } });
    expect(g).toMatchObject({ status: 'fulfilled', value: { assets: 2 } });
    expect(Buffer.compare(await readFile(store.assetPath(victimDigest)), victim)).toBe(0);
    expect(await filesUnder(store.tempDir)).toEqual([]);
  });
});
