import { copyFile, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import {
  encodeRepositoryIndex,
  type PackageMeta,
  StoneReader,
  sha256,
  sortDependencies,
} from '@serpent/stone';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_CACHE_NAME, readIndex, type WriteIndexEvent, writeIndex } from '../src/index.ts';
import { HAVE_SHARED, makeStone, meta, SHARED, SKIP_REASON, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('index'));
});
afterEach(() => cleanup());

describe('writeIndex', () => {
  it('indexes every stone recursively with relative URI, SHA-256 and size, in name order', async () => {
    const a = await makeStone(dir, 'z/zeta-1.0-1-1-x86_64.stone', meta('zeta'));
    const b = await makeStone(dir, 'a/deep/alpha-1.0-1-1-x86_64.stone', meta('alpha'));
    await writeFile(join(dir, 'notes.txt'), 'not a stone');
    const res = await writeIndex(dir);
    expect(res.packages.map((p) => p.name)).toEqual(['alpha', 'zeta']);
    const read = await readIndex(join(dir, 'stone.index'));
    expect(read).toEqual(res.packages);
    const alpha = read[0]!;
    const bytes = await readFile(b);
    expect(alpha.packageUri).toBe('a/deep/alpha-1.0-1-1-x86_64.stone');
    expect(alpha.packageHash).toBe(sha256(bytes));
    expect(alpha.packageSize).toBe(bytes.length);
    expect(read[1]!.packageHash).toBe(sha256(await readFile(a)));
    expect(res.added.map((p) => p.name)).toEqual(['alpha', 'zeta']);
    expect(res.hashed).toBe(2);
    // Written by rename: no temporary file is left beside the index and its side-cache.
    expect((await readdir(dir)).sort()).toEqual([INDEX_CACHE_NAME, 'a', 'notes.txt', 'stone.index', 'z']);
    // The index is a real Repository stone.
    const stone = await StoneReader.open(join(dir, 'stone.index'));
    expect(stone.header.fileType).toBe(3);
    expect(stone.payloads.map((p) => p.kind)).toEqual([1, 1]);
    await stone.close();
  });

  it('reuses entries by size and mtime: touching one stone re-hashes only that stone', async () => {
    for (let i = 0; i < 5; i++) await makeStone(dir, `p/pkg${i}.stone`, meta(`pkg${i}`));
    const first = await writeIndex(dir);
    expect([first.hashed, first.reused]).toEqual([5, 0]);
    const indexBefore = await readFile(join(dir, 'stone.index'));

    const events: WriteIndexEvent[] = [];
    const second = await writeIndex(dir, { onEvent: (e) => events.push(e) });
    expect([second.hashed, second.reused, second.unchanged]).toEqual([0, 5, 5]);
    expect(second.added).toEqual([]);
    // Deterministic: the same stones give the same bytes.
    expect(await readFile(join(dir, 'stone.index'))).toEqual(indexBefore);

    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, 'p/pkg3.stone'), later, later);
    events.length = 0;
    const third = await writeIndex(dir, { onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'hashed').map((e) => (e as { path: string }).path)).toEqual([
      'p/pkg3.stone',
    ]);
    expect([third.hashed, third.reused, third.unchanged]).toEqual([1, 4, 5]);
    // Payloads copied from the previous index give exactly the bytes of a full re-encode.
    await makeStone(dir, 'p/pkg1.stone', meta('pkg1'), 'changed');
    const fourth = await writeIndex(dir);
    expect(fourth.updated.map((u) => u.after.name)).toEqual(['pkg1']);
    expect(new Uint8Array(await readFile(join(dir, 'stone.index')))).toEqual(
      new Uint8Array(await encodeRepositoryIndex(fourth.packages)),
    );
  });

  it('a rewritten stone (same name) is reported as updated, a new one added, a deleted one dropped', async () => {
    await makeStone(dir, 'one.stone', meta('one'));
    await makeStone(dir, 'two.stone', meta('two'));
    await writeIndex(dir);
    await rm(join(dir, 'two.stone'));
    await makeStone(dir, 'one.stone', meta('one'), 'different content, different size');
    await makeStone(dir, 'three.stone', meta('three'));
    const res = await writeIndex(dir);
    expect(res.added.map((p) => p.name)).toEqual(['three']);
    expect(res.updated.map((u) => u.after.name)).toEqual(['one']);
    expect(res.updated[0]!.before.packageHash).not.toBe(res.updated[0]!.after.packageHash);
    expect(res.dropped.map((p) => p.name)).toEqual(['two']);
    expect(res.unchanged).toBe(0);
    const cache = JSON.parse(await readFile(join(dir, INDEX_CACHE_NAME), 'utf8'));
    expect(cache.stones.map((s: { path: string }) => s.path)).toEqual(['one.stone', 'three.stone']);
  });

  it('keeps the highest release per name and refuses two files with the same release', async () => {
    await makeStone(dir, 'old/thing-1.stone', meta('thing', 1));
    await makeStone(dir, 'new/thing-2.stone', meta('thing', 2));
    const events: WriteIndexEvent[] = [];
    const res = await writeIndex(dir, { onEvent: (e) => events.push(e) });
    expect(res.packages.map((p) => [p.name, p.release, p.packageUri])).toEqual([
      ['thing', 2, 'new/thing-2.stone'],
    ]);
    expect(events).toContainEqual({
      type: 'superseded',
      path: 'old/thing-1.stone',
      name: 'thing',
      release: 1,
      by: 'new/thing-2.stone',
    });
    await makeStone(dir, 'copy/thing-2.stone', meta('thing', 2), 'rebuilt');
    const err = await writeIndex(dir).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_INDEX_DUPLICATE_RELEASE')).toBe(true);
    expect((err as Error).message).toContain('copy/thing-2.stone');
    expect((err as Error).message).toContain('new/thing-2.stone');
  });

  it('a damaged side-cache is ignored with a warning and everything is hashed again', async () => {
    await makeStone(dir, 'one.stone', meta('one'));
    await writeIndex(dir);
    await writeFile(join(dir, INDEX_CACHE_NAME), '{"version":1,"stones":[{"path":"one.stone"}]}');
    const events: WriteIndexEvent[] = [];
    const res = await writeIndex(dir, { onEvent: (e) => events.push(e) });
    expect(res.hashed).toBe(1);
    expect(events.some((e) => e.type === 'warning')).toBe(true);
  });

  it('a stone that is not one names the file', async () => {
    await mkdir(join(dir, 'x'));
    await writeFile(join(dir, 'x/broken.stone'), 'garbage');
    const err = await writeIndex(dir).catch((e: unknown) => e);
    expect(hasCode(err, 'REPO_INDEX_INVALID')).toBe(true);
    expect((err as Error).message).toContain('broken.stone');
  });
});

describe.skipIf(!HAVE_SHARED)(`byte-compatibility with the original's index (${SKIP_REASON})`, () => {
  it('indexing the stones the synthetic stone.index describes reproduces its header and records', async () => {
    const fixtures = join(SHARED, 'fixtures', 'stone');
    // The synthetic index (written by the original's stone crate) names these two stones.
    await mkdir(join(dir, 'b'));
    await mkdir(join(dir, 'k'));
    await copyFile(
      join(fixtures, 'bash-completion-2.11-1-1-x86_64.stone'),
      join(dir, 'b/bash-completion-2.11-1-1-x86_64.stone'),
    );
    await copyFile(
      join(fixtures, 'synthetic/kitchen-sink-1.2.3-7-2-x86_64.stone'),
      join(dir, 'k/kitchen-sink-1.2.3-7-2-x86_64.stone'),
    );
    await writeIndex(dir);
    const ours = await StoneReader.open(join(dir, 'stone.index'));
    const theirs = await StoneReader.open(join(fixtures, 'synthetic/stone.index'));
    try {
      expect(ours.header).toEqual(theirs.header);
      expect(ours.payloads.map((p) => [p.kind, p.numRecords, p.plainSize])).toEqual(
        theirs.payloads.map((p) => [p.kind, p.numRecords, p.plainSize]),
      );
      const [a, b] = [await ours.metaRecords(), await theirs.metaRecords()];
      // Field order of the fixed part (Name … PackageSize) is exactly the original's; the
      // repeatable lists are compared as sets (the synthetic fixture lists them in kind order,
      // the original's writer in text order; readers give order no meaning).
      const key = (r: { tag: number; type: number; value: unknown }) =>
        JSON.stringify([r.tag, r.type, r.value], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      for (let i = 0; i < b.length; i++) {
        const head = (rs: (typeof a)[number]) =>
          rs.filter((r) => r.tag <= 7 || (r.tag >= 11 && r.tag !== 12)).map(key);
        expect(head(a[i]!)).toEqual(head(b[i]!));
        expect(a[i]!.map(key).sort()).toEqual(b[i]!.map(key).sort());
      }
      const canonical = (m: PackageMeta) => ({
        ...m,
        depends: sortDependencies(m.depends),
        provides: sortDependencies(m.provides),
        conflicts: sortDependencies(m.conflicts),
      });
      expect((await ours.metas()).map(canonical)).toEqual((await theirs.metas()).map(canonical));
    } finally {
      await ours.close();
      await theirs.close();
    }
  });
});
