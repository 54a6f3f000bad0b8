import { lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeStone, extractStone, FileType, PayloadKind, StoneReader, writePackage } from '../src/index.ts';
import { encodeLayoutPayload } from '../src/layout-payload.ts';
import { demoMeta } from './demo-meta.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stone-extract-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => new TextEncoder().encode(s);

describe('extractStone', () => {
  it('extracts files with their modes, directories and symlinks under usr/', async () => {
    const stone = join(dir, 'demo.stone');
    await writePackage(stone, {
      meta: demoMeta,
      level: 3,
      entries: [
        { type: 'regular', target: 'bin/demo', mode: 0o755, content: text('#!/bin/sh\n') },
        { type: 'regular', target: 'share/demo/same', mode: 0o600, content: text('#!/bin/sh\n') },
        { type: 'regular', target: 'share/demo/empty', mode: 0o644, content: new Uint8Array(0) },
        { type: 'directory', target: 'share/demo/private', mode: 0o700 },
        { type: 'symlink', target: 'bin/demo-link', source: 'demo' },
        { type: 'symlink', target: 'bin/abs', source: '/etc/passwd' },
      ],
    });
    const out = join(dir, 'out');
    const result = await extractStone(stone, out);
    expect(result).toMatchObject({ files: 3, directories: 1, symlinks: 2 });
    expect((await lstat(join(out, 'usr/bin/demo'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(out, 'usr/share/demo/same'))).mode & 0o7777).toBe(0o600);
    expect(await readFile(join(out, 'usr/share/demo/same'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await lstat(join(out, 'usr/share/demo/empty'))).size).toBe(0);
    expect((await lstat(join(out, 'usr/share/demo/private'))).mode & 0o7777).toBe(0o700);
    expect(await readlink(join(out, 'usr/bin/demo-link'))).toBe('demo');
    // An absolute link is created as data, never followed.
    expect(await readlink(join(out, 'usr/bin/abs'))).toBe('/etc/passwd');
    expect((await readdir(out)).sort()).toEqual(['usr']);
  });

  it('refuses a hostile path and leaves nothing on disk', async () => {
    const good = join(dir, 'good.stone');
    await writePackage(good, {
      meta: demoMeta,
      level: 3,
      entries: [{ type: 'regular', target: 'bin/x', mode: 0o644, content: text('x') }],
    });
    const s = await StoneReader.open(good);
    const payloads = [];
    for (const p of s.payloads) {
      if (p.kind === PayloadKind.Content) continue;
      payloads.push({ kind: p.kind, plain: await s.plainPayload(p), numRecords: p.numRecords });
    }
    const layout = await s.layout();
    const content: Uint8Array[] = [];
    for await (const c of s.contentChunks()) content.push(c);
    await s.close();
    const hostile = [{ ...layout[0]!, target: '../../etc/passwd' }];
    const patched = payloads.map((p) =>
      p.kind === PayloadKind.Layout ? { ...p, plain: encodeLayoutPayload(hostile) } : p,
    );
    patched.push({ kind: PayloadKind.Content, plain: Buffer.concat(content), numRecords: 0 });
    const bad = join(dir, 'hostile.stone');
    await writeFile(bad, await encodeStone(FileType.Binary, patched, { level: 3 }));
    const out = join(dir, 'hostile-out');
    await expect(extractStone(bad, out)).rejects.toMatchObject({ code: 'STONE_INVALID_INPUT' });
    const left = (await readdir(dir)).filter((n) => n.includes('hostile-out'));
    expect(left).toEqual([]);
  });

  it('refuses a non-empty output directory', async () => {
    await writeFile(join(dir, 'x'), 'x');
    await expect(extractStone(join(dir, 'demo.stone'), dir)).rejects.toMatchObject({
      code: 'STONE_INVALID_INPUT',
    });
  });
});
