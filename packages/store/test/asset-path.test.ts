import { EMPTY_DIGEST } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import {
  ASSET_MODE,
  assetModes,
  assetRelativePath,
  digestFromAssetName,
  EXECUTABLE_ASSET_MODE,
  normalizeDigest,
} from '../src/index.ts';

describe('asset names are the ones moss uses (moss.md §2.1)', () => {
  it('puts a full digest three levels deep', () => {
    expect(assetRelativePath(EMPTY_DIGEST)).toBe(`99/aa/06/${EMPTY_DIGEST}`);
  });

  it('drops leading zeros, as Rust {:02x} on a u128 does', () => {
    const d = '009e28aa06d3014798d86001c324468d';
    expect(assetRelativePath(d)).toBe('9e/28/aa/9e28aa06d3014798d86001c324468d');
  });

  it('puts names shorter than 10 digits directly under v2, and keeps at least two digits', () => {
    expect(assetRelativePath('0000000000000000000000000abcdef1')).toBe('abcdef1');
    expect(assetRelativePath('00000000000000000000000000000000')).toBe('00');
    expect(assetRelativePath('0000000000000000000000000000000f')).toBe('0f');
  });

  it('maps names read back from the store to digests, and rejects what moss would not write', () => {
    for (const d of [
      EMPTY_DIGEST,
      '009e28aa06d3014798d86001c324468d',
      '0000000000000000000000000abcdef1',
      '0'.repeat(32),
      `${'0'.repeat(31)}f`,
    ]) {
      expect(digestFromAssetName(assetRelativePath(d))).toBe(d);
    }
    expect(digestFromAssetName(`99/aa/07/${EMPTY_DIGEST}`)).toBeUndefined(); // wrong directory
    expect(digestFromAssetName(EMPTY_DIGEST)).toBeUndefined(); // long name at the top
    expect(digestFromAssetName('9e/28/aa/009e28aa06d3014798d86001c324468d')).toBeUndefined(); // padded
    expect(digestFromAssetName('99/aa/06/not-hex')).toBeUndefined();
  });

  it('accepts upper case and unpadded digests, and refuses anything else with STORE_BAD_HASH', () => {
    expect(normalizeDigest('9E28')).toBe(`${'0'.repeat(28)}9e28`);
    for (const bad of ['', 'xyz', '0'.repeat(33), '../etc/passwd']) {
      expect(() => normalizeDigest(bad)).toThrow(expect.objectContaining({ code: 'STORE_BAD_HASH' }));
    }
  });
});

describe('asset modes', () => {
  const reg = (hash: string, mode: number) =>
    ({
      type: 'regular',
      hash,
      mode: 0o100000 | mode,
      uid: 0,
      gid: 0,
      tag: 0,
      target: `x/${hash}/${mode}`,
    }) as const;

  it('takes the permission bits of the first entry using the content, never set-id', () => {
    const modes = assetModes([
      reg('a', 0o644),
      reg('b', 0o644),
      reg('b', 0o755),
      reg('c', 0o4755),
      reg('d', 0o600),
    ]);
    expect(modes.get('a')).toBe(0o644);
    expect(modes.get('b')).toBe(0o644);
    expect(modes.get('c')).toBe(0o755);
    expect(modes.get('d')).toBe(0o600);
    expect(ASSET_MODE).toBe(0o644);
    expect(EXECUTABLE_ASSET_MODE).toBe(0o755);
  });
});
