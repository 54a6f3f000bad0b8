import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadKind, StoneError, StoneReader, writePackage, xxh3_128 } from '../src/index.ts';
import { encodeIndexPayload } from '../src/index-payload.ts';
import { encodeLayoutPayload } from '../src/layout-payload.ts';
import { scanZstdFrame } from '../src/zstd-frame.ts';
import { craftStone, layoutPayload, metaPayload, type RawPayload, rawFrame, zstdFrame } from './craft.ts';
import { demoMeta } from './demo-meta.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stone-frames-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => new TextEncoder().encode(s);
const GiB = 1024 * 1024 * 1024;

/** A one-file package whose Content payload is stored as `frame(content)`. */
async function packageWithContent(content: Uint8Array, frame: (plain: Uint8Array) => Uint8Array) {
  const digest = await xxh3_128(content);
  const index = encodeIndexPayload([{ start: 0, end: content.length, digest }]);
  const payloads: RawPayload[] = [
    metaPayload(demoMeta),
    layoutPayload([
      { uid: 0, gid: 0, mode: 0o100644, tag: 0, type: 'regular', hash: digest, target: 'share/f' },
    ]),
    { kind: PayloadKind.Index, stored: zstdFrame(index), plainSize: index.length, numRecords: 1 },
    { kind: PayloadKind.Content, stored: frame(content), plainSize: content.length, numRecords: 0 },
  ];
  return craftStone(payloads);
}

async function fileOf(bytes: Uint8Array, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function verifyError(path: string, opts = {}): Promise<unknown> {
  const stone = await StoneReader.open(path, opts);
  try {
    await stone.verify();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await stone.close();
  }
}

describe('zstd windows', () => {
  const content = text('window '.repeat(1000));

  it('a Content frame declaring a 2 GiB window is refused before decoding, naming the window', async () => {
    const path = await fileOf(await packageWithContent(content, (c) => rawFrame(c, 31)), 'window31.stone');
    const err = await verifyError(path);
    expect(err).toMatchObject({ code: 'STONE_WINDOW_TOO_LARGE', details: { window: 2 * GiB, payload: 3 } });
    expect((err as Error).message).toContain('2048 MiB decoding window, over the 512 MiB');
    expect((err as { hint?: string }).hint).toContain('maxZstdWindow');
  });

  it('so is a Layout frame declaring one', async () => {
    const entries = [{ uid: 0, gid: 0, mode: 0o40755, tag: 0, type: 'directory' as const, target: 'share' }];
    const good = layoutPayload(entries);
    const layoutPlain = encodeLayoutPayload(entries);
    const bytes = await craftStone([metaPayload(demoMeta), { ...good, stored: rawFrame(layoutPlain, 30) }]);
    const stone = await StoneReader.fromBytes(bytes, 'layout-window.stone');
    await expect(stone.layout()).rejects.toMatchObject({ code: 'STONE_WINDOW_TOO_LARGE' });
  });

  it('a window within the limit decodes, and the limit is an option', async () => {
    const path = await fileOf(await packageWithContent(content, (c) => rawFrame(c, 29)), 'window29.stone');
    expect(await verifyError(path)).toBeUndefined();
    const big = await fileOf(await packageWithContent(content, (c) => rawFrame(c, 31)), 'window31-ok.stone');
    expect(await verifyError(big, { maxZstdWindow: 2 * GiB })).toBeUndefined();
    expect(await verifyError(path, { maxZstdWindow: 256 * 1024 * 1024 })).toMatchObject({
      code: 'STONE_WINDOW_TOO_LARGE',
    });
  });

  it('our writer uses at most an 8 MiB window at its default level', async () => {
    // 12 MiB of content: above level 18's windowLog 23, so the frame is not single-segment.
    const big = new Uint8Array(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const path = join(dir, 'writer-window.stone');
    await writePackage(path, {
      meta: demoMeta,
      entries: [{ type: 'regular', target: 'big', mode: 0o644, content: big }],
    });
    expect(await verifyError(path, { maxZstdWindow: 8 * 1024 * 1024 })).toBeUndefined();
  }, 60_000);
});

describe('bytes after a payload frame', () => {
  const content = text('trailing '.repeat(200));

  it('garbage after the Content frame is refused', async () => {
    const bytes = await packageWithContent(content, (c) => Buffer.concat([zstdFrame(c), text('garbage!')]));
    const err = await verifyError(await fileOf(bytes, 'content-garbage.stone'));
    expect(err).toMatchObject({ code: 'STONE_TRAILING_BYTES', details: { payload: 3 } });
    expect((err as Error).message).toContain('8 stored bytes follow the zstd frame');
  });

  it('a second frame after the Content frame is refused', async () => {
    const bytes = await packageWithContent(content, (c) =>
      Buffer.concat([zstdFrame(c), zstdFrame(text('more'))]),
    );
    expect(await verifyError(await fileOf(bytes, 'content-two-frames.stone'))).toMatchObject({
      code: 'STONE_TRAILING_BYTES',
    });
  });

  it('bytes after a Meta frame are refused', async () => {
    const meta = metaPayload(demoMeta);
    const bytes = await craftStone([
      { ...meta, stored: Buffer.concat([meta.stored, Uint8Array.of(0, 0, 0)]) },
    ]);
    const stone = await StoneReader.fromBytes(bytes, 'meta-trailing.stone');
    await expect(stone.meta()).rejects.toMatchObject({ code: 'STONE_TRAILING_BYTES' });
  });

  it('a frame that ends early is a typed error, also when the checksum matches', async () => {
    const bytes = await packageWithContent(content, (c) => zstdFrame(c).subarray(0, 20));
    expect(await verifyError(await fileOf(bytes, 'content-short.stone'))).toMatchObject({
      code: 'STONE_DECOMPRESS_FAILED',
    });
  });

  it('a frame the decoder refuses is a typed error from a file (the file stays open)', async () => {
    // Each byte of the frame flipped in turn, with a correct payload checksum: the decoder
    // fails, and the reader re-reads the stored bytes to tell damage from a bad frame. A
    // decoder error used to close the file under it ("file closed", untyped).
    const frame = zstdFrame(text('a frame the decoder refuses '.repeat(40)), 19);
    const codes = new Set<string>();
    for (let i = 4; i < frame.length; i++) {
      const bad = Buffer.from(frame);
      bad[i]! ^= 0xff;
      const err = await verifyError(await fileOf(await packageWithContent(content, () => bad), 'flip.stone'));
      if (err === undefined) continue;
      expect(err, String(err)).toBeInstanceOf(StoneError);
      codes.add((err as StoneError).code);
    }
    expect(codes.has('STONE_DECOMPRESS_FAILED')).toBe(true);
  });

  it('a refusal while the file is still being streamed leaves the file open for the typed error', async () => {
    // 9 MiB after the frame: the scan refuses in the first 4 MiB read, while the source stream
    // is still reading (destroying a FileHandle's read stream closes the handle, which the
    // re-read that tells damage from a hostile frame needs; the second-frame case above
    // failed with an untyped "file closed" before the byte source stopped using one).
    const bytes = await packageWithContent(content, (c) =>
      Buffer.concat([zstdFrame(c), new Uint8Array(9 << 20)]),
    );
    expect(await verifyError(await fileOf(bytes, 'long-trailing.stone'))).toMatchObject({
      code: 'STONE_TRAILING_BYTES',
    });
  });

  it('every payload our writer makes is exactly one frame', async () => {
    const path = join(dir, 'writer-frames.stone');
    // Several files: node:zlib used to append an empty frame after the content frame.
    await writePackage(path, {
      meta: demoMeta,
      level: 3,
      entries: [1, 2, 3].map((i) => ({
        type: 'regular' as const,
        target: `f${i}`,
        mode: 0o644,
        content: text(`file ${i}`.repeat(i * 50)),
      })),
    });
    const bytes = await readFile(path);
    const stone = await StoneReader.fromBytes(bytes, 'writer-frames.stone');
    for (const p of stone.payloads) {
      const stored = bytes.subarray(p.bodyOffset, p.bodyOffset + p.storedSize);
      expect(() => scanZstdFrame(stored, { maxWindow: 1 << 30, contentSize: p.plainSize })).not.toThrow();
    }
    expect(await stone.verify()).toMatchObject({ files: 3 });
  });
});
