import { describe, expect, it } from 'vitest';
import { mossAssetPath, mossStore } from '../src/index.js';

// moss.md §2.1: the XXH3-128 as unpadded lowercase hex, three levels deep from 10 characters.
describe('mossAssetPath', () => {
  it('nests a full hash three levels deep', () => {
    expect(mossAssetPath('/s', '99aa06d3014798d86001c324468d497f')).toBe(
      '/s/99/aa/06/99aa06d3014798d86001c324468d497f',
    );
  });

  it('drops leading zeros as Rust {:02x} of a u128 does', () => {
    expect(mossAssetPath('/s', '000000000000000000000abcdef01234')).toBe('/s/ab/cd/ef/abcdef01234');
    expect(mossAssetPath('/s', '00000000000000000000000000000a1b')).toBe('/s/a1b');
    // ... but keeps two digits, as {:02x} pads to a width of 2.
    expect(mossAssetPath('/s', '0'.repeat(32))).toBe('/s/00');
    expect(mossAssetPath('/s', `${'0'.repeat(31)}a`)).toBe('/s/0a');
  });

  it('lower-cases the hash and backs mossStore', () => {
    expect(mossStore('/s').assetPath('ABCDEF0123456789ABCDEF0123456789')).toBe(
      '/s/ab/cd/ef/abcdef0123456789abcdef0123456789',
    );
  });
});
