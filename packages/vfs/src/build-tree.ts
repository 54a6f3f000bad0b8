import { freezeTree } from './freeze-tree.js';
import { splitLayoutPath } from './layout-path.js';
import { TreeBuilder } from './tree-builder.js';
import type { Pending } from './tree-nodes.js';
import type { BuildTreeOptions, VfsInput, VfsTree } from './types.js';
import { VfsError } from './vfs-error.js';

/** XXH3-128 of zero bytes: such files are created empty by the blit, never linked. */
export const EMPTY_FILE_HASH = '99aa06d3014798d86001c324468d497f';

/**
 * Builds the `/usr` tree of a set of packages from their layout entries. Pure: no I/O.
 *
 * - Parent directories nobody ships are made up (mode 0755, `implicit: true`).
 * - Every symlink met while placing an entry is followed the way the kernel would follow it
 *   (relative to the link's directory, `..` included, absolute `/usr/...` from the root, chains
 *   up to 40 hops), so a package shipping `lib64 -> lib` has files under `lib64/` land in
 *   `lib/`. Upstream moss re-roots such files at `/` by a string bug; see README.
 * - Every conflict throws before anything touches the disk (`VFS_CONFLICT` naming the path and
 *   both packages): a path shipped as two different files/symlinks, file or symlink versus
 *   directory, entries beneath a file. Identical entries from several packages are merged
 *   (first kept); two directories merge and the last one supplies the mode, as upstream.
 * - Entries reached through a symlink leading outside `/usr` throw `VFS_UNSAFE_PATH`, symlink
 *   loops `VFS_SYMLINK_CYCLE` (also for a loop nothing is placed under).
 */
export function buildTree(inputs: Iterable<VfsInput>, options: BuildTreeOptions = {}): VfsTree {
  const tree = new TreeBuilder();
  const links: Pending[] = [];
  const dirs: Pending[] = [];
  // Files are placed after every symlink and directory, in input order: two entries for one
  // path have the same depth, so sorting files by depth would change nothing. Without
  // `filesLast` they wait here as they came; with it each is placed as it arrives, and a
  // 325k-file tree is built without holding its inputs (see BuildTreeOptions).
  const files: VfsInput[] = [];
  let seq = 0;
  let structureDone = false;
  const placeStructure = (): void => {
    // Shallow before deep so a parent symlink is in place before anything is resolved through
    // it; push order breaks ties, which makes "first kept" and "last directory wins" well defined.
    const order = (a: Pending, b: Pending) => a.parts.length - b.parts.length || a.seq - b.seq;
    links.sort(order);
    dirs.sort(order);
    for (const p of links) tree.place(p);
    tree.symlinksPlaced();
    for (const p of dirs) tree.place(p);
    links.length = 0;
    dirs.length = 0;
    structureDone = true;
  };
  const placeFile = (input: VfsInput): void =>
    tree.place({ pkg: input.pkg, parts: splitLayoutPath(input.entry.target, input.pkg), input, seq: 0 });

  for (const input of inputs) {
    const { entry, pkg } = input;
    if (entry.type === 'regular') {
      if (!options.filesLast) files.push(input);
      else {
        if (!structureDone) placeStructure();
        placeFile(input);
      }
      continue;
    }
    if (structureDone) {
      throw new VfsError(
        'VFS_INPUT_ORDER',
        `${pkg}: /usr/${entry.target} (a ${entry.type}) came after a regular file, but buildTree was told files come last`,
        { path: `/usr/${entry.target}`, package: pkg },
      );
    }
    const p: Pending = { pkg, parts: splitLayoutPath(entry.target, pkg), input, seq: seq++ };
    if (entry.type === 'symlink') links.push(p);
    else if (entry.type === 'directory') dirs.push(p);
    else {
      throw new VfsError(
        'VFS_UNSUPPORTED_TYPE',
        `${pkg}: /usr/${entry.target} is a ${entry.type}, which a package cannot ship`,
        { path: `/usr/${entry.target}`, package: pkg, type: entry.type },
      );
    }
  }
  if (!structureDone) placeStructure();
  for (const f of files) placeFile(f);
  files.length = 0;

  return freezeTree(tree.root, tree.redirects(options.checkLoops ?? true));
}
