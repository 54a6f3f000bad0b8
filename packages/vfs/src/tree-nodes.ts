import type { VfsInput } from './types.js';
import { VfsError } from './vfs-error.js';

// The mutable nodes a tree is built from; freezeTree turns them into the public VfsTree.

export interface MDir {
  kind: 'directory';
  path: string;
  name: string;
  pkg: string;
  mode: number;
  implicit: boolean;
  /** For an implicit directory: the package of the first entry placed beneath it. */
  impliedBy: string;
  map: Map<string, MNode>;
  children: MNode[];
}
export interface MFile {
  kind: 'regular';
  path: string;
  name: string;
  pkg: string;
  mode: number;
  hash: string;
}
export interface MLink {
  kind: 'symlink';
  path: string;
  name: string;
  pkg: string;
  mode: number;
  target: string;
}
export type MNode = MDir | MFile | MLink;

export interface Pending {
  readonly pkg: string;
  readonly parts: string[];
  readonly input: VfsInput;
  readonly seq: number;
}

const describe = (n: MNode): string =>
  n.kind === 'directory'
    ? 'a directory'
    : n.kind === 'regular'
      ? 'a file'
      : `a symlink to ${JSON.stringify(n.target)}`;
const owner = (n: MNode): string => (n.kind === 'directory' && n.implicit ? n.impliedBy : n.pkg);

export function conflict(path: string, existing: MNode, pkg: string, what: string): never {
  const other = owner(existing);
  throw new VfsError(
    'VFS_CONFLICT',
    `/usr/${path} is ${describe(existing)} in ${other} but ${what} in ${pkg}`,
    { path: `/usr/${path}`, packages: [other, pkg], existing: existing.kind },
    undefined,
    other === pkg
      ? 'the package contradicts itself at this path and is broken; rebuild it or report it to its maintainer'
      : undefined,
  );
}

/** A directory no package shipped (yet): made up for what is placed beneath it. */
export function implicitDir(path: string, name: string, impliedBy: string): MDir {
  return {
    kind: 'directory',
    path,
    name,
    pkg: '',
    mode: 0o755,
    implicit: true,
    impliedBy,
    map: new Map(),
    children: [],
  };
}
