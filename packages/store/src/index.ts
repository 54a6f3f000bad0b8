export { ASSET_MODE, assetModes, EXECUTABLE_ASSET_MODE } from './asset-mode.js';
export { assetRelativePath, digestFromAssetName, normalizeDigest } from './asset-path.js';
export { type OpenStoreOptions, openStore } from './open-store.js';
export type {
  CollectGarbageOptions,
  CollectGarbageResult,
  PrecacheEvent,
  PrecacheManyOptions,
  PrecacheOptions,
  PrecacheResult,
  PrecacheSummary,
  Store,
  VerifyOptions,
  VerifyResult,
} from './store.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
