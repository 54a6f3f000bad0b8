import { join } from 'node:path';
import { mossAssetName } from '@serpent/stone';
import type { AssetSource } from './types.js';

/**
 * Path of an asset in moss's `assets/v2` layout: the XXH3-128 written as lowercase hex
 * without leading zeros but at least two digits (Rust's `{:02x}` of a u128), three levels
 * deep (`ab/cd/ef/abcdef…`) when that is at least 10 characters long, directly under the
 * store otherwise. Reproduced exactly so a store can be shared with the original moss (and
 * with @serpent/store, which uses the same rule).
 */
export function mossAssetPath(storeDir: string, hash: string): string {
  const x = mossAssetName(hash.toLowerCase());
  return x.length >= 10 ? join(storeDir, x.slice(0, 2), x.slice(2, 4), x.slice(4, 6), x) : join(storeDir, x);
}

/** An {@link AssetSource} over a moss-layout store directory. */
export function mossStore(storeDir: string): AssetSource {
  return { assetPath: (hash) => mossAssetPath(storeDir, hash) };
}
