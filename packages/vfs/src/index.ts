export {
  type ApplyChangeOptions,
  type ApplyChangeResult,
  applyTreeChange,
  type ChangeProgress,
} from './apply-tree-change.js';
export { blit } from './blit.js';
export { buildTree, EMPTY_FILE_HASH } from './build-tree.js';
export {
  type ExtractEvent,
  type ExtractOptions,
  type ExtractResult,
  extractStone,
  extractStoneInto,
} from './extract-stone.js';
export { mossAssetPath, mossStore } from './moss-store.js';
export {
  type DirectoryChange,
  type DirtyDirectory,
  finishTreeChange,
  type KeptFiles,
  type OrderedInput,
  type PreparedTreeChange,
  planTreeChange,
  prepareTreeChange,
  type TreeChangeInput,
  type TreeChangePlan,
  type TreeRebuild,
} from './plan-tree-change.js';
export { type Resolution, TreeResolver } from './tree-resolver.js';
export type {
  AssetSource,
  BlitOptions,
  BlitProgress,
  BlitResult,
  BuildTreeOptions,
  VfsDirectory,
  VfsFile,
  VfsInput,
  VfsNode,
  VfsRedirect,
  VfsSymlink,
  VfsTree,
} from './types.js';
export { VfsError, type VfsErrorCode } from './vfs-error.js';
