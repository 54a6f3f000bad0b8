import type { MDir, MNode } from './tree-nodes.js';
import type { VfsDirectory, VfsNode, VfsRedirect, VfsTree } from './types.js';

/** The public, frozen tree of the built nodes: children sorted by name, counts, redirects, lookup. */
export function freezeTree(root: MDir, redirects: Map<string, string>): VfsTree {
  const counts = { directories: 0, files: 0, symlinks: 0 };
  const seal = (d: MDir): void => {
    const names = [...d.map.keys()].sort();
    d.children = names.map((n) => d.map.get(n) as MNode);
    for (const c of d.children) {
      if (c.kind === 'directory') {
        counts.directories++;
        seal(c);
      } else if (c.kind === 'regular') counts.files++;
      else counts.symlinks++;
    }
  };
  seal(root);
  const conv = (n: MNode): VfsNode => {
    let v: VfsNode;
    if (n.kind === 'directory') {
      const children: VfsNode[] = [];
      v = {
        kind: 'directory',
        path: n.path,
        name: n.name,
        pkg: n.pkg,
        mode: n.mode,
        implicit: n.implicit,
        children,
      };
      for (const c of n.children) children.push(conv(c));
      Object.freeze(children);
    } else {
      // Files and symlinks are built with exactly the public shape, so they are frozen in
      // place rather than copied: a copy held two trees at once at the end of every build.
      v = n;
    }
    return Object.freeze(v);
  };
  const vroot = conv(root) as VfsDirectory;
  const redirectList: VfsRedirect[] = [...redirects]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([link, target]) => Object.freeze({ link, target }));
  let index: Map<string, VfsNode> | undefined;
  function* walk(d: VfsDirectory): IterableIterator<VfsNode> {
    for (const c of d.children) {
      yield c;
      if (c.kind === 'directory') yield* walk(c);
    }
  }
  return Object.freeze({
    root: vroot,
    size: counts.directories + counts.files + counts.symlinks,
    counts: Object.freeze(counts),
    redirects: Object.freeze(redirectList),
    get: (path: string) => {
      // Built on first use: the blit and the trigger walk never need it.
      if (index === undefined) {
        index = new Map<string, VfsNode>([['', vroot]]);
        for (const n of walk(vroot)) index.set(n.path, n);
      }
      return index.get(path);
    },
    walk: () => walk(vroot),
  });
}
