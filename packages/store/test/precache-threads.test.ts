import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xxh3_128 } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import { ClaimTable } from '../src/claim-table.ts';
import { openStore } from '../src/index.ts';
import { file, filesUnder, noise, stone, tempDir } from './helpers.ts';

// Worker threads load the built code, and this test process resolves our packages to their
// sources (so would its threads), so the threaded runs go through a child process on dist/:
// `tsc -b` first, as CI does.
const child = join(dirname(fileURLToPath(import.meta.url)), 'threads-child.mjs');

interface ChildOut {
  results?: {
    name: string;
    assetsAdded: number;
    assetsSkipped: number;
    indexEntries: number;
    layoutEntries: number;
  }[];
  events?: string[];
  error?: { code: string; message: string; details: Record<string, unknown> };
}

function threaded(args: Record<string, unknown>): ChildOut {
  const r = spawnSync(process.execPath, [child, JSON.stringify(args)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`threads-child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildOut;
}

async function stones(dir: string, n: number, shared: Uint8Array): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    paths.push(
      await stone(join(dir, `p${i}.stone`), `p${i}`, [
        file(`p${i}/shared`, shared),
        file(`p${i}/empty`, ''),
        file(`p${i}/own`, noise(50_000 + i, 200 + i)),
      ]),
    );
  }
  return paths;
}

describe('ClaimTable', () => {
  it('gives each digest to the first claimer only', () => {
    const t = ClaimTable.create(100);
    const a = 'f'.repeat(32);
    const b = `${'0'.repeat(16)}${'1'.repeat(16)}`;
    expect(t.claim(a)).toBe(true);
    expect(t.claim(a)).toBe(false);
    expect(t.claim(b)).toBe(true);
    // The same table seen through another view (what a worker gets) shares the claims.
    expect(new ClaimTable(t.buffer).claim(b)).toBe(false);
  });

  it('lets everyone write once it is half full instead of probing forever', () => {
    const t = ClaimTable.create(1);
    const digests = Array.from({ length: 2000 }, (_, i) => i.toString(16).padStart(32, '0'));
    for (const d of digests) t.claim(d);
    expect(t.claim(digests[0]!)).toBe(true);
  });
});

describe('precacheMany on worker threads', () => {
  it('stores every stone, content shared between them exactly once, results in order', async () => {
    const dir = await tempDir();
    const shared = noise(200_000, 7);
    const paths = await stones(dir, 12, shared);
    const root = join(dir, 'root');
    const { results = [], events = [] } = threaded({ root, paths, threads: 2, concurrency: 2 });
    const store = await openStore(root);
    expect(results.map((r) => r.name)).toEqual(paths.map((_, i) => `p${i}`));
    expect(results.map((r) => r.indexEntries)).toEqual(paths.map(() => 3));
    // 12 own contents + the shared one + the empty file, each written by one thread.
    expect(results.reduce((n, r) => n + r.assetsAdded, 0)).toBe(14);
    expect(results.reduce((n, r) => n + r.assetsAdded + r.assetsSkipped, 0)).toBe(36);
    expect(await filesUnder(store.assetsDir)).toHaveLength(14);
    expect(await readFile(store.assetPath(await xxh3_128(shared)))).toEqual(Buffer.from(shared));
    expect(await filesUnder(store.tempDir)).toEqual([]);
    expect(events.filter((e) => e.startsWith('done ')).sort()).toEqual(paths.map((p) => `done ${p}`).sort());
    expect(events).toContain('start');
  });

  it('fails with the first bad stone, named, after every thread stopped writing', async () => {
    const dir = await tempDir();
    const paths = await stones(dir, 9, noise(1000, 3));
    paths.splice(4, 0, join(dir, 'missing.stone'));
    const root = join(dir, 'root');
    expect(threaded({ root, paths, threads: 2 }).error).toMatchObject({
      code: 'STORE_BAD_STONE',
      details: { stone: join(dir, 'missing.stone') },
    });
    expect(await filesUnder((await openStore(root)).tempDir)).toEqual([]);
  });

  it('stops when the caller aborts', async () => {
    const dir = await tempDir();
    const paths = await stones(dir, 10, noise(1000, 4));
    const root = join(dir, 'root');
    expect(threaded({ root, paths, threads: 2, abort: true }).error).toMatchObject({ code: 'STORE_ABORTED' });
    const store = await openStore(root);
    expect(await filesUnder(store.tempDir)).toEqual([]);
    expect(await filesUnder(store.assetsDir)).toEqual([]);
  });

  it('stores content a thread skipped for a claim that was never honoured', async () => {
    const dir = await tempDir();
    const shared = noise(3000, 9);
    const paths = await stones(dir, 3, shared);
    const root = join(dir, 'root');
    // As if another thread had claimed the shared content (a 64-bit key collision would look
    // the same): every thread skips it, and the main thread must store it at the end.
    const { results = [] } = threaded({ root, paths, threads: 2, seed: [await xxh3_128(shared)] });
    const store = await openStore(root);
    expect(await readFile(store.assetPath(await xxh3_128(shared)))).toEqual(Buffer.from(shared));
    expect(results.reduce((n, r) => n + r.assetsAdded, 0)).toBe(3 + 2);
    expect(await filesUnder(store.assetsDir)).toHaveLength(5);
  });

  it('without the index in the results, still stores what a thread skipped', async () => {
    const dir = await tempDir();
    const shared = noise(3000, 10);
    const paths = await stones(dir, 3, shared);
    const root = join(dir, 'root');
    const { results = [] } = threaded({
      root,
      paths,
      threads: 2,
      seed: [await xxh3_128(shared)],
      index: false,
    });
    expect(results.map((r) => r.indexEntries)).toEqual([0, 0, 0]);
    const store = await openStore(root);
    expect(await readFile(store.assetPath(await xxh3_128(shared)))).toEqual(Buffer.from(shared));
    expect(results.reduce((n, r) => n + r.assetsAdded, 0)).toBe(3 + 2);
  });

  it('into an empty store writes each content once, and a second run through the same store finds them all', async () => {
    // The first precacheMany into a store that was empty at open asks the disk nothing (every
    // asset there is one it wrote); the second must probe, since the opening thread never
    // learnt what the threads wrote.
    const dir = await tempDir();
    const paths = await stones(dir, 10, noise(5000, 11));
    const root = join(dir, 'root');
    const { results = [] } = threaded({ root, paths, threads: 2, twice: true });
    const first = results.slice(0, 10);
    const second = results.slice(10);
    expect(first.reduce((n, r) => n + r.assetsAdded, 0)).toBe(12);
    expect(second.reduce((n, r) => n + r.assetsAdded, 0)).toBe(0);
    expect(second.every((r) => r.contentSkipped)).toBe(true);
    expect(await filesUnder((await openStore(root)).assetsDir)).toHaveLength(12);
  });

  it('hands each layout to onResult as its stone is stored, and keeps none in the results', async () => {
    const dir = await tempDir();
    const paths = await stones(dir, 9, noise(5000, 12));
    const root = join(dir, 'root');
    const { results = [], events = [] } = threaded({ root, paths, threads: 2, onResult: true });
    expect(results.map((r) => r.name)).toEqual(paths.map((_, i) => `p${i}`));
    expect(results.map((r) => r.layoutEntries)).toEqual(paths.map(() => 0));
    const handed = events.filter((e) => e.startsWith('result ')).map((e) => e.split(' '));
    expect(handed.map(([, i]) => Number(i)).sort((a, b) => a - b)).toEqual(paths.map((_, i) => i));
    expect(handed.every(([, , n]) => n === '3')).toBe(true);
  });
});
