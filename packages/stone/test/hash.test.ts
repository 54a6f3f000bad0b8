import { describe, expect, it } from 'vitest';
import { mossAssetName, xxh3_64, xxh3_128 } from '../src/index.ts';

// The spec's vectors (verified there with python-xxhash and against real files).
const repeated = new Uint8Array(1024).map((_, i) => i % 256);
const vectors: [string, Uint8Array, string, string][] = [
  ['empty', new Uint8Array(0), '2d06800538d394c2', '99aa06d3014798d86001c324468d497f'],
  ['a', new TextEncoder().encode('a'), 'e6c632b61e964e1f', 'a96faf705af16834e6c632b61e964e1f'],
  [
    'hello world',
    new TextEncoder().encode('hello world'),
    'd447b1ea40e6988b',
    'df8d09e93f874900a99b8775cc15b6c7',
  ],
  ['0x00..0xff ×4', repeated, 'a870f92984398d22', '83885e853bb6640ca870f92984398d22'],
];

describe('XXH3 through hash-wasm, canonical big-endian hex', () => {
  for (const [name, data, h64, h128] of vectors) {
    it(name, async () => {
      expect(await xxh3_64(data)).toBe(h64);
      expect(await xxh3_128(data)).toBe(h128);
    });
  }
});

describe('mossAssetName', () => {
  it('drops leading zeros but keeps two digits', () => {
    expect(mossAssetName('009e284063682c78bdef54eba751f7a8')).toBe('9e284063682c78bdef54eba751f7a8');
    expect(mossAssetName('00000000000000000000000000000000')).toBe('00');
    expect(mossAssetName('0000000000000000000000000000000a')).toBe('0a');
    expect(mossAssetName('3c005061e2d565b469e9abdfe6478cfe')).toBe('3c005061e2d565b469e9abdfe6478cfe');
  });
});
