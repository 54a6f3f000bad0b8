/** `\0mos`: the first four bytes of every stone file. */
export const STONE_MAGIC = 0x006d6f73;

/** The 21 fixed bytes at offset 6 of a v1 header; anything else means a corrupt header. */
export const INTEGRITY_CHECK = Uint8Array.of(0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 6, 0, 0, 7);

export const HEADER_SIZE = 32;
export const PAYLOAD_HEADER_SIZE = 32;
export const FORMAT_VERSION = 1;

export const FileType = { Binary: 1, Delta: 2, Repository: 3, BuildManifest: 4 } as const;
export type FileType = (typeof FileType)[keyof typeof FileType];
export const FILE_TYPE_NAMES: Record<number, string> = {
  1: 'Binary',
  2: 'Delta',
  3: 'Repository',
  4: 'BuildManifest',
};

export const PayloadKind = { Meta: 1, Content: 2, Layout: 3, Index: 4, Attributes: 5 } as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];
export const PAYLOAD_KIND_NAMES: Record<number, string> = {
  1: 'Meta',
  2: 'Content',
  3: 'Layout',
  4: 'Index',
  5: 'Attributes',
};

export const Compression = { None: 1, Zstd: 2 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];
export const COMPRESSION_NAMES: Record<number, string> = { 1: 'None', 2: 'Zstd' };

export const MetaTag = {
  Name: 1,
  Architecture: 2,
  Version: 3,
  Summary: 4,
  Description: 5,
  Homepage: 6,
  SourceID: 7,
  Depends: 8,
  Provides: 9,
  Conflicts: 10,
  Release: 11,
  License: 12,
  BuildRelease: 13,
  PackageURI: 14,
  PackageHash: 15,
  PackageSize: 16,
  BuildDepends: 17,
  SourceURI: 18,
  SourcePath: 19,
  SourceRef: 20,
} as const;
export type MetaTag = (typeof MetaTag)[keyof typeof MetaTag];
export const META_TAG_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MetaTag).map(([name, value]) => [value, name]),
);

export const MetaType = {
  Int8: 1,
  Uint8: 2,
  Int16: 3,
  Uint16: 4,
  Int32: 5,
  Uint32: 6,
  Int64: 7,
  Uint64: 8,
  String: 9,
  Dependency: 10,
  Provider: 11,
} as const;
export type MetaType = (typeof MetaType)[keyof typeof MetaType];
export const META_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MetaType).map(([name, value]) => [value, name]),
);
/** Width in bytes of each integer meta type; the reader takes the width from the type, not `length`. */
export const INTEGER_WIDTH: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 8, 8: 8 };

export const DEPENDENCY_KINDS = [
  'name',
  'soname',
  'pkgconfig',
  'interpreter',
  'cmake',
  'python',
  'binary',
  'sysbinary',
  'pkgconfig32',
] as const;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

export const LAYOUT_TYPES = [
  'regular',
  'symlink',
  'directory',
  'char-device',
  'block-device',
  'fifo',
  'socket',
] as const;
export type LayoutType = (typeof LAYOUT_TYPES)[number];
/** The spec's names for layout file types 1..7, as the expected-JSON fixtures spell them. */
export const LAYOUT_TYPE_NAMES = [
  'Regular',
  'Symlink',
  'Directory',
  'CharacterDevice',
  'BlockDevice',
  'Fifo',
  'Socket',
] as const;

/** XXH3-128 of no bytes: the digest of every empty file. */
export const EMPTY_DIGEST = '99aa06d3014798d86001c324468d497f';
