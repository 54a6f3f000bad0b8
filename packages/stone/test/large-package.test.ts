import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoneEntryInput, StoneReader, writePackage } from '../src/index.ts';
import { demoMeta } from './demo-meta.ts';

// A legitimate package above the ~125,000 arguments a spread call takes before the stack
// overflows (`push(...records)` made layout() and index() throw a RangeError here).
const FILES = 130_000;

let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stone-large-'));
  path = join(dir, 'large.stone');
  const entries: StoneEntryInput[] = [];
  for (let i = 0; i < FILES; i++) {
    const content = new Uint8Array(4);
    new DataView(content.buffer).setUint32(0, i);
    entries.push({ type: 'regular', target: `share/many/${i % 100}/f${i}`, mode: 0o644, content });
  }
  await writePackage(path, { meta: demoMeta, entries, level: 1 });
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`a package of ${FILES.toLocaleString('en-US')} files`, () => {
  it('reads its whole layout and index, and verifies', async () => {
    const stone = await StoneReader.open(path);
    try {
      expect((await stone.layout()).length).toBe(FILES);
      expect((await stone.layoutRecords()).raw.length).toBe(FILES);
      expect((await stone.index()).length).toBe(FILES);
      expect(await stone.verify()).toEqual({ files: FILES, bytes: FILES * 4 });
    } finally {
      await stone.close();
    }
  });
});
