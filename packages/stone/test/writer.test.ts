import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMPTY_DIGEST,
  encodeStone,
  FileType,
  PayloadKind,
  StoneError,
  StoneReader,
  writePackage,
  xxh3_128,
} from '../src/index.ts';
import { demoMeta } from './demo-meta.ts';

let dir: string;
const big = new Uint8Array(700_000).map((_, i) => (i * 7919) % 251);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stone-writer-'));
  await writeFile(join(dir, 'big.bin'), big);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entries() {
  const text = new TextEncoder().encode('#!/bin/sh\necho demo\n');
  return [
    { type: 'directory' as const, target: 'share/demo/empty', mode: 0o755 },
    { type: 'regular' as const, target: 'bin/demo', mode: 0o755, content: text },
    { type: 'regular' as const, target: 'share/demo/copy', mode: 0o644, content: text },
    {
      type: 'regular' as const,
      target: 'share/demo/big.bin',
      mode: 0o644,
      content: { path: join(dir, 'big.bin') },
    },
    { type: 'regular' as const, target: 'share/demo/empty-file', mode: 0o644, content: new Uint8Array(0) },
    { type: 'symlink' as const, target: 'bin/demo-link', source: 'demo' },
    {
      type: 'regular' as const,
      target: 'share/demo/naïve ✓.txt',
      mode: 0o600,
      content: new TextEncoder().encode('utf-8 path'),
    },
  ];
}

describe('writePackage', () => {
  it('writes a package that reads back and verifies', async () => {
    const path = join(dir, 'demo-1.0-3-1-x86_64.stone');
    const written = await writePackage(path, { meta: demoMeta, entries: entries(), level: 3 });
    const stone = await StoneReader.open(path);
    try {
      expect(stone.header.fileType).toBe(FileType.Binary);
      expect(stone.payloads.map((p) => p.kind)).toEqual([
        PayloadKind.Meta,
        PayloadKind.Layout,
        PayloadKind.Index,
        PayloadKind.Content,
      ]);
      const meta = await stone.meta();
      // The implicit name provider is not written (spec §6).
      expect(meta).toEqual({ ...demoMeta, provides: [{ kind: 'binary', name: 'demo' }] });
      const layout = await stone.layout();
      expect(layout).toEqual(written.layout);
      expect(layout[1]).toMatchObject({ type: 'regular', mode: 0o100755, target: 'bin/demo' });
      expect(layout[5]).toMatchObject({ type: 'symlink', mode: 0o120777, source: 'demo' });
      expect(layout[0]).toMatchObject({ type: 'directory', mode: 0o040755 });
      const index = await stone.index();
      // Deduplicated (bin/demo and share/demo/copy share one content), largest first.
      expect(index).toHaveLength(4);
      expect(index[0]!.end - index[0]!.start).toBe(big.length);
      expect(index.at(-1)!.digest).toBe(EMPTY_DIGEST);
      expect(index[0]!.digest).toBe(await xxh3_128(big));
      expect(await stone.verify()).toEqual({ files: 4, bytes: big.length + 20 + 10 });
      // Content streams out as (digest, bytes) pairs.
      const got = new Map<string, Buffer[]>();
      await stone.unpackContent({
        file(entry) {
          const parts: Buffer[] = [];
          return {
            write: (c) => void parts.push(Buffer.from(c)),
            commit: () => void got.set(entry.digest, parts),
            abort() {},
          };
        },
      });
      expect(Buffer.concat(got.get(index[0]!.digest)!).equals(Buffer.from(big))).toBe(true);
    } finally {
      await stone.close();
    }
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    const a = join(dir, 'a.stone');
    const b = join(dir, 'b.stone');
    await writePackage(a, { meta: demoMeta, entries: entries(), level: 5 });
    await writePackage(b, { meta: demoMeta, entries: entries(), level: 5 });
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
  });

  it('takes the compression level as a parameter', async () => {
    const fast = await writePackage(join(dir, 'l1.stone'), { meta: demoMeta, entries: entries(), level: 1 });
    const slow = await writePackage(join(dir, 'l19.stone'), {
      meta: demoMeta,
      entries: entries(),
      level: 19,
    });
    expect(slow.size).toBeLessThan(fast.size);
    for (const p of [fast.path, slow.path]) {
      const s = await StoneReader.open(p);
      await s.verify();
      await s.close();
    }
  });

  it('refuses a hostile target and leaves nothing behind', async () => {
    const out = join(dir, 'hostile.stone');
    for (const target of ['../../etc/passwd', '/etc/passwd', 'a//b', 'a/./b', '']) {
      await expect(
        writePackage(out, {
          meta: demoMeta,
          entries: [{ type: 'regular', target, mode: 0o644, content: new Uint8Array(1) }],
        }),
      ).rejects.toMatchObject({ code: 'STONE_INVALID_INPUT' });
    }
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a flipped content byte', () => {
  it('is a hash mismatch naming the file entry', async () => {
    const path = join(dir, 'flip-src.stone');
    await writePackage(path, { meta: demoMeta, entries: entries(), level: 3 });
    const stone = await StoneReader.open(path);
    const plains: { kind: number; plain: Uint8Array; numRecords: number }[] = [];
    for (const p of stone.payloads) {
      if (p.kind !== PayloadKind.Content) {
        plains.push({ kind: p.kind, plain: await stone.plainPayload(p), numRecords: p.numRecords });
      }
    }
    const content: Buffer[] = [];
    for await (const c of stone.contentChunks()) content.push(Buffer.from(c));
    const index = await stone.index();
    await stone.close();
    const plain = Buffer.concat(content);
    // Flip one byte inside `bin/demo`'s content, then re-encode with valid checksums, so only
    // the per-file XXH3-128 can catch it.
    const demo = index.find((e) => e.end - e.start === 20)!;
    plain[demo.start + 3]! ^= 0x01;
    const bytes = await encodeStone(
      FileType.Binary,
      [...plains, { kind: PayloadKind.Content, plain, numRecords: 0 }],
      {
        level: 3,
      },
    );
    const bad = await StoneReader.fromBytes(bytes, 'flipped.stone');
    const err = await bad.verify().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoneError);
    expect(err).toMatchObject({ code: 'STONE_CONTENT_HASH_MISMATCH' });
    expect((err as StoneError).message).toContain('/usr/bin/demo');
    expect((err as StoneError).message).toContain('/usr/share/demo/copy');
    expect((err as StoneError).message).toContain('flipped.stone');
    expect((err as StoneError).details).toMatchObject({ digest: demo.digest });
  });
});
