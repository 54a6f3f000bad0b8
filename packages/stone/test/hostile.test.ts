import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoneError, StoneReader, writePackage } from '../src/index.ts';
import { demoMeta } from './demo-meta.ts';
import { HAVE_SHARED, STONE_FIXTURES } from './shared-fixtures.ts';

let dir: string;
let generated: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stone-hostile-'));
  const path = join(dir, 'gen.stone');
  const text = (s: string) => new TextEncoder().encode(s);
  await writePackage(path, {
    meta: demoMeta,
    level: 3,
    attributes: [{ key: text('k'), value: text('v') }],
    entries: [
      { type: 'directory', target: 'share/d', mode: 0o700 },
      { type: 'regular', target: 'bin/a', mode: 0o755, content: text('alpha'.repeat(300)) },
      { type: 'regular', target: 'bin/b', mode: 0o755, content: text('beta') },
      { type: 'regular', target: 'share/e', mode: 0o644, content: new Uint8Array(0) },
      { type: 'symlink', target: 'bin/c', source: 'a' },
    ],
  });
  generated = await readFile(path);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Decodes and verifies everything; returns the error if any. */
async function fullRead(bytes: Uint8Array): Promise<unknown> {
  try {
    const s = await StoneReader.fromBytes(bytes, 'hostile.stone');
    await s.metas();
    await s.verify();
    return undefined;
  } catch (err) {
    return err;
  }
}

function expectTyped(err: unknown): void {
  if (err === undefined) return;
  if (!(err instanceof StoneError)) throw new Error(`not a StoneError: ${String(err)}`, { cause: err });
  expect(err.message.startsWith('hostile.stone: ')).toBe(true);
  expect(err.code).toMatch(/^STONE_[A-Z_]+$/);
}

const sources = (): [string, () => Uint8Array][] => [
  ['generated', () => generated],
  ...(HAVE_SHARED
    ? ([
        [
          'kitchen-sink fixture',
          () => readFileSyncCached(join(STONE_FIXTURES, 'synthetic', 'kitchen-sink-1.2.3-7-2-x86_64.stone')),
        ],
      ] as [string, () => Uint8Array][])
    : []),
];
const cache = new Map<string, Uint8Array>();
function readFileSyncCached(p: string): Uint8Array {
  let b = cache.get(p);
  if (b === undefined) {
    b = readFileSync(p);
    cache.set(p, b);
  }
  return b;
}

describe('hostile input gets only typed errors', () => {
  for (const [name, bytesOf] of sources()) {
    it(`${name}: the intact file verifies`, async () => {
      expect(await fullRead(bytesOf())).toBeUndefined();
    });

    it(`${name}: every truncation is a typed error`, async () => {
      const bytes = bytesOf();
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), async (n) => {
          const err = await fullRead(bytes.subarray(0, n));
          expect(err).toBeInstanceOf(StoneError);
          expectTyped(err);
        }),
        { numRuns: 300 },
      );
    });

    it(`${name}: random byte mutations verify or give typed errors`, async () => {
      const bytes = bytesOf();
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              at: fc.integer({ min: 0, max: bytes.length - 1 }),
              value: fc.integer({ min: 0, max: 255 }),
            }),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
          async (edits) => {
            const copy = Uint8Array.from(bytes);
            for (const e of edits) copy[e.at] = e.value;
            expectTyped(await fullRead(copy));
          },
        ),
        { numRuns: 400 },
      );
    });

    it(`${name}: mutations of the header and payload headers are typed errors`, async () => {
      // Headers hold the lengths a hostile file would use to make a reader allocate or loop.
      const bytes = bytesOf();
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 95 }),
          fc.integer({ min: 0, max: 255 }),
          async (at, value) => {
            const copy = Uint8Array.from(bytes);
            copy[at] = value;
            expectTyped(await fullRead(copy));
          },
        ),
        { numRuns: 400 },
      );
    });
  }

  it('named failures: magic, version, file type, giant sizes', async () => {
    const mut = (f: (b: Uint8Array, v: DataView) => void) => {
      const b = Uint8Array.from(generated);
      f(b, new DataView(b.buffer));
      return b;
    };
    const cases: [string, Uint8Array][] = [
      [
        'STONE_BAD_MAGIC',
        mut((b) => {
          b[1] = 0x6e;
        }),
      ],
      ['STONE_BAD_VERSION', mut((_b, v) => v.setUint32(28, 2))],
      [
        'STONE_BAD_FILE_TYPE',
        mut((b) => {
          b[27] = 9;
        }),
      ],
      [
        'STONE_CORRUPT_HEADER',
        mut((b) => {
          b[8] = 7;
        }),
      ],
      ['STONE_TRUNCATED', mut((_b, v) => v.setBigUint64(32, 1n << 40n))],
      ['STONE_TOO_LARGE', mut((_b, v) => v.setBigUint64(32 + 8, 1n << 60n))],
      ['STONE_TOO_LARGE', mut((_b, v) => v.setBigUint64(32 + 8, 1n << 40n))],
      [
        'STONE_BAD_PAYLOAD_KIND',
        mut((b) => {
          b[32 + 30] = 6;
        }),
      ],
      [
        'STONE_BAD_COMPRESSION',
        mut((b) => {
          b[32 + 31] = 3;
        }),
      ],
      [
        'STONE_CHECKSUM_MISMATCH',
        mut((b) => {
          b[32 + 16] ^= 1;
        }),
      ],
      ['STONE_TRUNCATED', generated.subarray(0, 20)],
      ['STONE_TRAILING_BYTES', Uint8Array.from([...generated, 0])],
    ];
    for (const [code, bytes] of cases) {
      const err = await fullRead(bytes);
      expect(err, code).toBeInstanceOf(StoneError);
      expect((err as StoneError).code, (err as Error).message).toBe(code);
    }
  });

  it('names the file it was opened from, and a missing file is STONE_IO', async () => {
    const err = await StoneReader.open(join(dir, 'nope.stone')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STONE_IO' });
    expect((err as Error).message).toContain('nope.stone');
  });
});

describe('content no index entry covers', () => {
  it('is refused: a Layout payload relabelled as Content no longer reads as an empty package', async () => {
    const { craftStone, layoutPayload, metaPayload } = await import('./craft.ts');
    const { demoMeta: meta } = await import('./demo-meta.ts');
    const layout = layoutPayload([
      { uid: 0, gid: 0, mode: 0o40755, tag: 0, type: 'directory', target: 'share' },
    ]);
    const bytes = await craftStone([metaPayload(meta), { ...layout, kind: 2 }]);
    const stone = await StoneReader.fromBytes(bytes, 'relabelled.stone');
    expect(await stone.layout()).toEqual([]);
    await expect(stone.verify()).rejects.toMatchObject({ code: 'STONE_INDEX_BOUNDS' });
  });
});
