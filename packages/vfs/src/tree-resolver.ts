import { splitLayoutPath } from './layout-path.js';
import type { VfsDirectory, VfsNode, VfsSymlink, VfsTree } from './types.js';
import { VfsError } from './vfs-error.js';

/** Linux gives up after 40 symlinks in one lookup (ELOOP), as buildTree does. */
const MAX_HOPS = 40;

/** Where a chain of components leads in a tree, following its symlinks as the kernel would. */
export type Resolution =
  | {
      readonly ok: true;
      /** Canonical components relative to `/usr` (`[]` is `/usr` itself). */
      readonly dir: readonly string[];
      /** Every symlink followed on the way, in order. */
      readonly via: readonly VfsSymlink[];
    }
  | { readonly ok: false; readonly why: 'escape' }
  | { readonly ok: false; readonly why: 'file'; readonly node: VfsNode };

/**
 * Follows paths through a finished tree the way `buildTree` placed its entries: relative to a
 * link's directory, `..` included, absolute `/usr/...` from the root, chains of up to 40 links.
 * A component the tree does not have counts as a directory to be made. Used to find where the
 * entries of a changed package land without building the whole tree again.
 */
export class TreeResolver {
  readonly #tree: VfsTree;
  #redirectIndex: Map<string, string[]> | undefined;

  constructor(tree: VfsTree) {
    this.#tree = tree;
  }

  /** The tree this resolver walks. */
  get tree(): VfsTree {
    return this.#tree;
  }

  /**
   * Resolves `parts` from the directory `start` (canonical components), like buildTree.
   * `passing` is told every directory path (canonical, relative to `/usr`) the lookup steps
   * into, in order.
   */
  resolve(start: readonly string[], parts: readonly string[], passing?: (dir: string) => void): Resolution {
    return this.#resolve(['usr', ...start], parts, passing);
  }

  /**
   * Where the text of a symlink at `linkPath` (canonical) leads, as a directory: relative to
   * the link's directory, or from the filesystem root when it starts with `/`.
   */
  resolveTarget(linkPath: string, target: string): Resolution {
    const parts = target.split('/');
    return this.#resolve(target.startsWith('/') ? [] : ['usr', ...linkPath.split('/').slice(0, -1)], parts);
  }

  #resolve(from: readonly string[], parts: readonly string[], passing?: (dir: string) => void): Resolution {
    const tree = this.#tree;
    // Components from the filesystem root: `usr` first, so `..` above /usr is an escape.
    const stack: string[] = [...from];
    const queue = parts.slice().reverse();
    const via: VfsSymlink[] = [];
    let hops = 0;
    while (queue.length > 0) {
      const c = queue.pop() as string;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (stack.length === 0) return { ok: false, why: 'escape' };
        stack.pop();
        continue;
      }
      if (stack.length === 0) {
        if (c !== 'usr') return { ok: false, why: 'escape' };
        stack.push(c);
        continue;
      }
      const here = stack.length === 1 ? c : `${stack.slice(1).join('/')}/${c}`;
      const node = tree.get(here);
      if (node === undefined || node.kind === 'directory') {
        stack.push(c);
        passing?.(here);
        continue;
      }
      if (node.kind === 'regular') return { ok: false, why: 'file', node };
      if (++hops > MAX_HOPS) {
        throw new VfsError(
          'VFS_SYMLINK_CYCLE',
          `/usr/${node.path}: the symlinks ${[...new Set(via.map((l) => `/usr/${l.path} (${l.pkg})`))].join(', ')} form a loop`,
          { path: `/usr/${node.path}`, packages: [...new Set(via.map((l) => l.pkg))] },
        );
      }
      via.push(node);
      const t = node.target.split('/');
      if (node.target.startsWith('/')) stack.length = 0;
      for (let i = t.length - 1; i >= 0; i--) queue.push(t[i] as string);
    }
    if (stack.length === 0) return { ok: false, why: 'escape' };
    return { ok: true, dir: stack.slice(1), via };
  }

  /**
   * The canonical path (relative to `/usr`) where a layout path lands: its parent resolved
   * through the tree's symlinks, then its own name. Throws VFS_UNSAFE_PATH for a hostile path
   * or one that leads outside `/usr`, and VFS_CONFLICT when a file stands where its parent
   * directory should be, as buildTree would.
   */
  canonical(raw: string, pkg: string): string {
    return this.locate(raw, pkg).path;
  }

  /** {@link canonical}, with the symlinks followed to get there. */
  locate(raw: string, pkg: string): { path: string; via: readonly VfsSymlink[] } {
    const parts = splitLayoutPath(raw, pkg);
    const r = this.resolve([], parts.slice(0, -1));
    if (!r.ok) {
      if (r.why === 'file') {
        throw new VfsError(
          'VFS_CONFLICT',
          `/usr/${r.node.path} is a file in ${r.node.pkg} but the parent of /usr/${raw} in ${pkg}`,
          { path: `/usr/${r.node.path}`, packages: [r.node.pkg, pkg], existing: 'regular' },
        );
      }
      throw new VfsError(
        'VFS_UNSAFE_PATH',
        `${pkg}: /usr/${raw} resolves outside /usr through a symlink in the tree`,
        {
          path: `/usr/${raw}`,
          package: pkg,
        },
      );
    }
    const name = parts[parts.length - 1] as string;
    return { path: r.dir.length === 0 ? name : `${r.dir.join('/')}/${name}`, via: r.via };
  }

  /**
   * Where a symlink of the tree leads when used as a directory, and the links followed to get
   * there (itself first); undefined when it leads outside `/usr`, into a file or into a loop.
   */
  follow(
    link: VfsSymlink,
    passing?: (dir: string) => void,
  ): { dir: string; via: readonly VfsSymlink[] } | undefined {
    let r: Resolution;
    try {
      r = this.resolve(link.path.split('/').slice(0, -1), [link.name], passing);
    } catch (err) {
      // A loop leads nowhere (a tree built with checkLoops: false may have one).
      if (err instanceof VfsError && err.code === 'VFS_SYMLINK_CYCLE') return undefined;
      throw err;
    }
    return r.ok ? { dir: r.dir.join('/'), via: r.via } : undefined;
  }

  /**
   * Every layout path (relative to `/usr`) that lands on the canonical path `path`: the path
   * itself, and its spellings through each symlink that leads to one of its directories
   * (`lib64/libc.so.6` for `lib/libc.so.6` when `lib64 -> lib`), chains included. More than
   * `limit` spellings returns undefined: the caller then treats the path as unknowable.
   */
  aliases(path: string, limit = 64): string[] | undefined {
    const index = this.#redirects();
    const out = new Set<string>();
    const visit = (p: string, depth: number): boolean => {
      if (out.has(p)) return true;
      out.add(p);
      if (out.size > limit || depth > MAX_HOPS) return false;
      if (index.size === 0) return true;
      // A symlink leading to the directory made of the path's leading components stands for
      // them: `/usr` itself (''), then each directory up to the parent.
      for (let end = 0; end !== -1 && end < p.length; end = p.indexOf('/', end + 1)) {
        const links = index.get(p.slice(0, end));
        if (links === undefined) continue;
        const rest = end === 0 ? p : p.slice(end + 1);
        for (const l of links) if (!visit(`${l}/${rest}`, depth + 1)) return false;
      }
      return true;
    };
    return visit(path, 0) ? [...out] : undefined;
  }

  /** Canonical directory → the symlinks that lead to it. */
  #redirects(): Map<string, string[]> {
    if (this.#redirectIndex !== undefined) return this.#redirectIndex;
    const index = new Map<string, string[]>();
    for (const node of this.#tree.walk()) {
      if (node.kind !== 'symlink') continue;
      const f = this.follow(node);
      if (f === undefined) continue;
      // A link into a file never stands for a directory.
      const at = f.dir === '' ? this.#tree.root : this.#tree.get(f.dir);
      if (at !== undefined && at.kind !== 'directory') continue;
      const list = index.get(f.dir);
      if (list === undefined) index.set(f.dir, [node.path]);
      else list.push(node.path);
    }
    this.#redirectIndex = index;
    return index;
  }

  /** Every directory of the tree, `/usr` itself excluded, a parent before its children. */
  *directories(): IterableIterator<VfsDirectory> {
    for (const n of this.#tree.walk()) if (n.kind === 'directory') yield n;
  }
}
