import { mossAssetRelativePath } from '@serpent/stone';
import { StoreError } from './store-error.js';

const HEX = /^[0-9a-f]{1,32}$/;

/**
 * The canonical form of a content digest: 32 lower-case hex digits. Accepts moss's unpadded
 * asset names too (`9e28…` for `009e28…`), so names read back from a store map to digests.
 */
export function normalizeDigest(hash: string): string {
  const lower = hash.toLowerCase();
  if (!HEX.test(lower)) {
    throw new StoreError('STORE_BAD_HASH', `${JSON.stringify(hash)} is not an XXH3-128 digest`, { hash });
  }
  return lower.padStart(32, '0');
}

/**
 * Where moss keeps the asset of a digest, relative to `assets/v2` (the rule is stone's
 * `mossAssetRelativePath`, shared with the vfs); a string that is no digest is STORE_BAD_HASH.
 */
export function assetRelativePath(hash: string): string {
  return mossAssetRelativePath(normalizeDigest(hash));
}

/**
 * The digest an asset file stands for, given its path relative to `assets/v2` (`/`-separated),
 * or undefined when that path is not where moss would put any asset (a stray file).
 */
export function digestFromAssetName(relative: string): string | undefined {
  const name = relative.slice(relative.lastIndexOf('/') + 1);
  if (!HEX.test(name) || name.length < 2 || (name.length > 2 && name.startsWith('0'))) return undefined;
  const digest = name.padStart(32, '0');
  return assetRelativePath(digest) === relative ? digest : undefined;
}
