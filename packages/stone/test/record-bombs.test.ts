import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAttributesPayload } from '../src/attributes-payload.ts';
import { type Attribute, inspectStone, PayloadKind, StoneReader } from '../src/index.ts';
import { encodeIndexPayload } from '../src/index-payload.ts';
import { encodeLayoutPayload } from '../src/layout-payload.ts';
import { encodeMetaPayload, type MetaRecord } from '../src/meta-payload.ts';
import { craftStone, metaPayload, type RawPayload, rleFrame, zstdFrame } from './craft.ts';
import { demoMeta } from './demo-meta.ts';

// Record-count bombs: payloads whose bytes are few but whose records are many, so their decoded
// form takes far more memory than the byte cap suggests (500 MiB of empty attribute records is
// 33 million records, ≈ 15 GB decoded). Scaled down here to 4 million records, which the old
// reader decoded (slowly, in ≈ 0.5-1.8 GB) and the memory limit refuses from the header alone.
const RECORDS = 4_000_000;

function payload(kind: number, plain: Uint8Array, numRecords: number): RawPayload {
  return { kind, stored: zstdFrame(plain, 1), plainSize: plain.length, numRecords };
}

const bombs: [string, () => RawPayload, (s: StoneReader) => Promise<unknown>][] = [
  [
    'Attributes (empty records)',
    () => {
      // An empty attribute is 16 zero bytes: RLE blocks, 4 stored bytes per 128 KiB.
      const size = RECORDS * 16;
      return {
        kind: PayloadKind.Attributes,
        stored: rleFrame(size, 20),
        plainSize: size,
        numRecords: RECORDS,
      };
    },
    (s) => s.attributes(),
  ],
  [
    'Meta (9-byte integer records)',
    () => {
      const records: MetaRecord[] = Array.from({ length: RECORDS }, () => ({ tag: 11, type: 1, value: 0n }));
      return payload(PayloadKind.Meta, encodeMetaPayload(records), RECORDS);
    },
    (s) => s.metas(),
  ],
  [
    'Index (empty slices)',
    () => {
      const size = RECORDS * 32;
      return { kind: PayloadKind.Index, stored: rleFrame(size, 20), plainSize: size, numRecords: RECORDS };
    },
    (s) => s.index(),
  ],
  [
    'Layout (one-letter directories)',
    () => {
      const dir = { uid: 0, gid: 0, mode: 0o40755, tag: 0, type: 'directory' as const, target: 'a' };
      return payload(
        PayloadKind.Layout,
        encodeLayoutPayload(Array.from({ length: RECORDS }, () => dir)),
        RECORDS,
      );
    },
    (s) => s.layout(),
  ],
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stone-bombs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('record-count bombs', () => {
  for (const [name, make, read] of bombs) {
    it(`${name}: refused from the header, before anything is decompressed`, async () => {
      const bomb = make();
      const bytes = await craftStone([metaPayload(demoMeta), bomb]);
      const stone = await StoneReader.fromBytes(bytes, 'bomb.stone');
      const err = await read(stone).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'STONE_TOO_LARGE',
        details: { payload: 1, records: RECORDS, limit: 256 * 1024 * 1024 },
      });
      expect((err as Error).message).toMatch(/4000000 records in \d+ bytes would take about \d+ MiB decoded/);
      // verify() streams the records, and refuses the same payload the same way.
      await expect(stone.verify()).rejects.toMatchObject({ code: 'STONE_TOO_LARGE' });
      // So does the JSON inspection (`moss inspect --json`).
      const file = join(dir, 'bomb.stone');
      await writeFile(file, bytes);
      await expect(inspectStone(file)).rejects.toMatchObject({ code: 'STONE_TOO_LARGE' });
    }, 30_000);
  }

  it('the limit is what refuses them: raised, the same kind of payload decodes', async () => {
    const n = 100_000;
    const attrs: Attribute[] = Array.from({ length: n }, () => ({
      key: new Uint8Array(0),
      value: new Uint8Array(0),
    }));
    const bytes = await craftStone([
      metaPayload(demoMeta),
      payload(PayloadKind.Attributes, encodeAttributesPayload(attrs), n),
    ]);
    const small = await StoneReader.fromBytes(bytes, 'attrs.stone', { maxRecordMemory: 16 * 1024 * 1024 });
    await expect(small.attributes()).rejects.toMatchObject({ code: 'STONE_TOO_LARGE' });
    const enough = await StoneReader.fromBytes(bytes, 'attrs.stone', { maxRecordMemory: 64 * 1024 * 1024 });
    expect((await enough.attributes()).length).toBe(n);
  });

  it('the limit covers every payload a call returns together', async () => {
    // 2,000 Meta payloads (an index) of 10,000 records each: each alone is small, together not.
    const records: MetaRecord[] = Array.from({ length: 10_000 }, () => ({ tag: 11, type: 1, value: 0n }));
    const one = payload(PayloadKind.Meta, encodeMetaPayload(records), records.length);
    const bytes = await craftStone(
      Array.from({ length: 300 }, () => one),
      3,
    );
    const stone = await StoneReader.fromBytes(bytes, 'index.stone');
    const err = await stone.metaRecords().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STONE_TOO_LARGE' });
    expect((err as Error).message).toContain('together with the');
  });

  it('layoutEntries() streams: a layout is read without holding every entry', async () => {
    const dirs = Array.from({ length: 1000 }, (_, i) => ({
      uid: 0,
      gid: 0,
      mode: 0o40755,
      tag: 0,
      type: 'directory' as const,
      target: `d${i}`,
    }));
    const bytes = await craftStone([
      metaPayload(demoMeta),
      payload(PayloadKind.Layout, encodeLayoutPayload(dirs.slice(0, 600)), 600),
      payload(PayloadKind.Layout, encodeLayoutPayload(dirs.slice(600)), 400),
    ]);
    const stone = await StoneReader.fromBytes(bytes, 'two-layouts.stone');
    const seen: string[] = [];
    for await (const e of stone.layoutEntries()) seen.push(e.target);
    expect(seen).toEqual(dirs.map((d) => d.target));
  });

  it('an index of empty slices within the limit still decodes', async () => {
    const entries = Array.from({ length: 1000 }, () => ({
      start: 0,
      end: 0,
      digest: '99aa06d3014798d86001c324468d497f',
    }));
    const bytes = await craftStone([
      metaPayload(demoMeta),
      payload(PayloadKind.Index, encodeIndexPayload(entries), 1000),
    ]);
    expect((await (await StoneReader.fromBytes(bytes, 'x')).index()).length).toBe(1000);
  });
});
