export { hashFile } from './hash-file.js';
export { readChunks } from './read-chunks.js';
export {
  copyFileAtomic,
  type ReplaceOptions,
  replaceFile,
  writeFileAtomic,
  writeFileAtomicSync,
} from './replace-file.js';
export { syncDir, syncDirSync } from './sync-dir.js';
export { openSyncfs, type SyncfsHandle, syncfsOf } from './syncfs.js';
export { tempPathFor } from './temp-path.js';
