import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeBuildManifest,
  encodeRepositoryIndex,
  type PackageMeta,
  type StoneEntryInput,
  writePackage,
} from '@serpent/stone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractStone, extractStoneInto } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vfs-extract-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => new TextEncoder().encode(s);
const meta: PackageMeta = {
  name: 'demo',
  version: '1.0',
  release: 3,
  buildRelease: 1,
  architecture: 'x86_64',
  summary: 'A demo package',
  description: 'It has files.',
  homepage: 'https://example.invalid/demo',
  sourceId: 'demo',
  licenses: ['MPL-2.0'],
  depends: [],
  provides: [],
  conflicts: [],
};

let n = 0;
async function stone(entries: StoneEntryInput[], m: Partial<PackageMeta> = {}): Promise<string> {
  const path = join(dir, `s${n++}.stone`);
  await writePackage(path, { meta: { ...meta, ...m }, entries, level: 1 });
  return path;
}

/** Every path under `root`, relative, sorted. */
async function tree(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map(String).sort();
}

/** A fresh, empty base directory; the test then checks that nothing appeared outside it. */
async function base(): Promise<string> {
  const b = join(dir, `base${n++}`);
  await mkdir(b);
  return b;
}

describe('extractStone', () => {
  it('extracts files with their modes, directories and symlinks under usr/', async () => {
    const s = await stone([
      { type: 'regular', target: 'bin/demo', mode: 0o755, content: text('#!/bin/sh\n') },
      { type: 'regular', target: 'share/demo/same', mode: 0o600, content: text('#!/bin/sh\n') },
      { type: 'regular', target: 'share/demo/empty', mode: 0o644, content: new Uint8Array(0) },
      { type: 'directory', target: 'share/demo/private', mode: 0o700 },
      { type: 'symlink', target: 'bin/demo-link', source: 'demo' },
      { type: 'symlink', target: 'bin/abs', source: '/etc/passwd' },
    ]);
    const out = join(dir, 'out');
    const result = await extractStone(s, out);
    expect(result).toMatchObject({ files: 3, symlinks: 2 });
    expect((await lstat(join(out, 'usr/bin/demo'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(out, 'usr/share/demo/same'))).mode & 0o7777).toBe(0o600);
    // Two paths of one content are two files, not one inode.
    expect((await lstat(join(out, 'usr/share/demo/same'))).ino).not.toBe(
      (await lstat(join(out, 'usr/bin/demo'))).ino,
    );
    expect(await readFile(join(out, 'usr/share/demo/same'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await lstat(join(out, 'usr/share/demo/empty'))).size).toBe(0);
    expect((await lstat(join(out, 'usr/share/demo/private'))).mode & 0o7777).toBe(0o700);
    expect(await readlink(join(out, 'usr/bin/demo-link'))).toBe('demo');
    // An absolute link is created as data, never followed.
    expect(await readlink(join(out, 'usr/bin/abs'))).toBe('/etc/passwd');
    expect(await readdir(out)).toEqual(['usr']);
  });

  it('places files under a redirecting symlink where an install would (lib64 -> lib)', async () => {
    const s = await stone([
      { type: 'symlink', target: 'lib64', source: 'lib' },
      { type: 'regular', target: 'lib64/libx.so', mode: 0o644, content: text('x') },
    ]);
    const out = join(dir, 'redirect');
    await extractStone(s, out);
    expect(await readFile(join(out, 'usr/lib/libx.so'), 'utf8')).toBe('x');
    expect(await readlink(join(out, 'usr/lib64'))).toBe('lib');
  });

  it('refuses a file beneath a symlink to an absolute path, and writes nothing there', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const s = await stone([
      { type: 'symlink', target: 'share/evil', source: outside },
      { type: 'regular', target: 'share/evil/planted', mode: 0o644, content: text('gotcha') },
    ]);
    const b = await base();
    await expect(extractStone(s, join(b, 'out'))).rejects.toMatchObject({ code: 'VFS_UNSAFE_PATH' });
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(b)).toEqual([]);
  });

  it('refuses a file beneath a file (what install refuses), with a typed error', async () => {
    const s = await stone([
      { type: 'regular', target: 'bin/a', mode: 0o644, content: text('a') },
      { type: 'regular', target: 'bin/a/b', mode: 0o644, content: text('b') },
    ]);
    const b = await base();
    const err = await extractStone(s, join(b, 'out')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VFS_CONFLICT' });
    expect((err as { hint: string }).hint).toContain('contradicts itself');
    expect(await readdir(b)).toEqual([]);
  });

  it('refuses two different files at one path instead of keeping the last', async () => {
    const s = await stone([
      { type: 'regular', target: 'etc-like/conf', mode: 0o644, content: text('first') },
      { type: 'regular', target: 'etc-like/conf', mode: 0o644, content: text('second') },
    ]);
    const b = await base();
    await expect(extractStone(s, join(b, 'out'))).rejects.toMatchObject({ code: 'VFS_CONFLICT' });
    expect(await readdir(b)).toEqual([]);
  });

  it('refuses a repository index and a build manifest as packages', async () => {
    const index = join(dir, 'stone.index');
    await writeFile(
      index,
      await encodeRepositoryIndex(
        [{ ...meta, packageUri: 'd.stone', packageHash: '0'.repeat(64), packageSize: 1 }],
        {
          level: 1,
        },
      ),
    );
    const manifest = join(dir, 'manifest.x86_64.bin');
    await writeFile(manifest, await encodeBuildManifest([meta], { level: 1 }));
    for (const f of [index, manifest]) {
      const b = await base();
      await expect(extractStone(f, join(b, 'out'))).rejects.toMatchObject({ code: 'STONE_WRONG_FILE_TYPE' });
      await expect(extractStoneInto(f, b)).rejects.toMatchObject({ code: 'STONE_WRONG_FILE_TYPE' });
      expect(await readdir(b)).toEqual([]);
    }
  });

  it('refuses a non-empty output directory unless asked to replace it', async () => {
    const s = await stone([{ type: 'regular', target: 'bin/x', mode: 0o644, content: text('new') }]);
    const out = join(dir, 'busy');
    await mkdir(join(out, 'usr'), { recursive: true });
    await writeFile(join(out, 'keep'), 'old');
    const err = await extractStone(s, out).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VFS_TARGET_NOT_EMPTY' });
    expect((err as { hint: string }).hint).toContain('overwrite');
    expect(await tree(out)).toEqual(['keep', 'usr']);
    await extractStone(s, out, { overwrite: true });
    expect(await tree(out)).toEqual(['usr', 'usr/bin', 'usr/bin/x']);
    expect((await readdir(dir)).filter((f) => f.startsWith('.busy'))).toEqual([]);
  });
});

describe('extractStoneInto', () => {
  it('names the directory <name>-<version>-<release>.<arch>', async () => {
    const s = await stone([{ type: 'regular', target: 'bin/x', mode: 0o644, content: text('x') }]);
    const b = await base();
    const r = await extractStoneInto(s, b);
    expect(r.outDir).toBe(join(b, 'demo-1.0-3.x86_64'));
    expect(await tree(b)).toEqual([
      'demo-1.0-3.x86_64',
      'demo-1.0-3.x86_64/usr',
      'demo-1.0-3.x86_64/usr/bin',
      'demo-1.0-3.x86_64/usr/bin/x',
    ]);
  });

  for (const [field, value] of [
    ['version', '..'],
    ['architecture', 'x/../../../escaped'],
    ['name', '../..'],
    ['name', 'evil\u001b[2J'],
  ] as const) {
    it(`refuses metadata that would steer the directory: ${field} ${JSON.stringify(value)}`, async () => {
      const s = await stone([{ type: 'regular', target: 'bin/x', mode: 0o644, content: text('x') }], {
        [field]: value,
      });
      const b = await base();
      const err = await extractStoneInto(s, join(b, 'inner')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STONE_UNSAFE_NAME', details: { field } });
      expect(await readdir(b)).toEqual([]);
      expect(existsSync(join(dir, 'escaped'))).toBe(false);
    });
  }
});

describe('extract of damaged content', () => {
  it('a content that fails its hash while being written is a typed error, and nothing is left', async () => {
    // Found by the fuzz campaign: aborting a file whose writes were still in flight emitted an
    // unhandled stream 'error' (ERR_STREAM_DESTROYED) and killed the process.
    const { encodeStone, PayloadKind, StoneReader } = await import('@serpent/stone');
    const big = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const good = await stone([{ type: 'regular', target: 'share/big', mode: 0o644, content: big }]);
    const s = await StoneReader.open(good);
    const payloads: { kind: number; plain: Uint8Array; numRecords: number }[] = [];
    for (const p of s.payloads) {
      if (p.kind !== PayloadKind.Content) {
        payloads.push({ kind: p.kind, plain: await s.plainPayload(p), numRecords: p.numRecords });
        continue;
      }
      const chunks: Uint8Array[] = [];
      for await (const c of s.contentChunks()) chunks.push(Buffer.from(c));
      const plain = Buffer.concat(chunks);
      plain[plain.length - 1]! ^= 0xff;
      payloads.push({ kind: p.kind, plain, numRecords: p.numRecords });
    }
    await s.close();
    const bad = join(dir, 'damaged-big.stone');
    await writeFile(bad, await encodeStone(1, payloads, { level: 1 }));
    const b = await base();
    await expect(extractStone(bad, join(b, 'out'))).rejects.toMatchObject({
      code: 'STONE_CONTENT_HASH_MISMATCH',
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await readdir(b)).toEqual([]);
  });
});
