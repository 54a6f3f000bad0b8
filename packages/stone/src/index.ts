export type { Attribute } from './attributes-payload.js';
export { type ByteSource, bytesSource, fileSource } from './byte-source.js';
export {
  COMPRESSION_NAMES,
  Compression,
  DEPENDENCY_KINDS,
  type DependencyKind,
  EMPTY_DIGEST,
  FILE_TYPE_NAMES,
  FileType,
  LAYOUT_TYPE_NAMES,
  LAYOUT_TYPES,
  type LayoutType,
  META_TAG_NAMES,
  META_TYPE_NAMES,
  MetaTag,
  MetaType,
  PAYLOAD_KIND_NAMES,
  PayloadKind,
} from './constants.js';
export {
  compareUtf8,
  type Dependency,
  formatDependency,
  parseDependency,
  sortDependencies,
} from './dependency.js';
export { type DescribeOptions, describeStone, type StoneDescription } from './describe-stone.js';
export {
  createXxh3_64,
  createXxh3_128,
  mossAssetName,
  mossAssetRelativePath,
  sha256,
  xxh3_64,
  xxh3_128,
} from './hash.js';
export type { PayloadHeader, StoneHeader } from './header.js';
export type { IndexEntry } from './index-payload.js';
export { type InspectOptions, inspectStone, stringifyJson } from './inspect-json.js';
export type { LayoutEntry, LayoutRaw } from './layout-payload.js';
export type { MetaRecord } from './meta-payload.js';
export { packageDirName } from './package-dir-name.js';
export { metaFromRecords, type PackageMeta, recordsFromMeta } from './package-meta.js';
export { packageNameProblem } from './package-name.js';
export { StoneError, type StoneErrorCode } from './stone-error.js';
export {
  type ContentFileSink,
  type ContentSink,
  type OpenStoneOptions,
  type PayloadInfo,
  type StoneLimits,
  StoneReader,
  type UnpackOptions,
  withStone,
} from './stone-reader.js';
export {
  type ContentSource,
  DEFAULT_COMPRESSION_LEVEL,
  encodeBuildManifest,
  encodeRepositoryIndex,
  encodeStone,
  type StoneEntryInput,
  type WritePackageOptions,
  type WrittenPackage,
  writePackage,
} from './stone-writer.js';
export { zstdBackend } from './zstd.js';
