import { join } from 'node:path';
import { mossAssetRelativePath } from '@serpent/stone';
import type { AssetSource } from './types.js';

/**
 * Path of an asset in moss's `assets/v2` layout (stone's `mossAssetRelativePath`, the rule
 * @serpent/store writes by), so a store can be shared with the original moss.
 */
export function mossAssetPath(storeDir: string, hash: string): string {
  return join(storeDir, mossAssetRelativePath(hash));
}

/** An {@link AssetSource} over a moss-layout store directory. */
export function mossStore(storeDir: string): AssetSource {
  return { assetPath: (hash) => mossAssetPath(storeDir, hash) };
}
