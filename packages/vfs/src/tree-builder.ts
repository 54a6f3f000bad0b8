import { conflict, implicitDir, type MDir, type MLink, type MNode, type Pending } from './tree-nodes.js';
import { VfsError } from './vfs-error.js';

/** Linux gives up after 40 symlinks in one lookup (ELOOP); a cycle always exceeds it. */
const MAX_HOPS = 40;

type Resolved = { ok: true; dir: string[] } | { ok: false; why: 'escape' | 'file'; node?: MNode };

/**
 * The tree being built and the three things done to it: follow a path through its symlinks
 * (`resolve`), make the directories a path needs (`mkdirp`), and place one entry (`place`).
 * What they share is the state below; buildTree decides the order entries come in.
 */
export class TreeBuilder {
  readonly root: MDir = implicitDir('', '', '');
  /** Every symlink placed, to be followed once at the end (a loop nothing is placed under). */
  readonly placedLinks: MLink[] = [];
  /** Symlinks something was placed through: the redirects. */
  readonly #usedAsDir = new Set<MLink>();
  /**
   * Raw parent path → its directory. Only used once every symlink is placed (they alone change
   * where a path leads; a directory stays one), and it makes placing the files linear.
   */
  readonly #parents = new Map<string, MDir>();
  #cacheParents = false;

  /** From now on no symlink is placed: parent lookups may be remembered. */
  symlinksPlaced(): void {
    this.#cacheParents = true;
  }

  /**
   * Resolves `parts` (the parent components of an entry, after `start`) to an existing or
   * creatable directory, following symlinks in the tree the way the kernel would. `stack` holds
   * absolute components starting with `usr`, each a directory or nothing yet (never a symlink),
   * so `..` is a plain pop. Returns the canonical path relative to `/usr`, or why not.
   */
  resolve(
    start: readonly string[],
    parts: readonly string[],
    pkg: string,
    path: string,
    record: boolean,
  ): Resolved {
    // Each frame is a component and its directory node, if it exists yet.
    const stack: { name: string; dir: MDir | undefined }[] = [{ name: 'usr', dir: this.root }];
    for (const name of start) {
      const d = stack[stack.length - 1]?.dir?.map.get(name);
      stack.push({ name, dir: d?.kind === 'directory' ? d : undefined });
    }
    const queue = parts.slice().reverse();
    let hops = 0;
    const via: MLink[] = [];
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
        stack.push({ name: c, dir: this.root });
        continue;
      }
      const node = stack[stack.length - 1]?.dir?.map.get(c);
      if (node === undefined || node.kind === 'directory') {
        stack.push({ name: c, dir: node });
        continue;
      }
      if (node.kind === 'regular') return { ok: false, why: 'file', node };
      if (++hops > MAX_HOPS) {
        throw new VfsError(
          'VFS_SYMLINK_CYCLE',
          `/usr/${path}: the symlinks ${[...new Set(via.map((l) => `/usr/${l.path} (${l.pkg})`))].join(', ')} form a loop`,
          { path: `/usr/${path}`, package: pkg, packages: [...new Set(via.map((l) => l.pkg))] },
        );
      }
      via.push(node);
      const t = node.target.split('/');
      if (node.target.startsWith('/')) stack.length = 0;
      for (let i = t.length - 1; i >= 0; i--) queue.push(t[i] as string);
    }
    if (stack.length === 0) return { ok: false, why: 'escape' };
    if (record) for (const l of via) this.#usedAsDir.add(l);
    return { ok: true, dir: stack.slice(1).map((f) => f.name) };
  }

  /** The directory node at canonical `dir`, creating implicit ones along the way. */
  mkdirp(dir: readonly string[], pkg: string): MDir {
    let cur = this.root;
    let path = '';
    for (const name of dir) {
      path = path === '' ? name : `${path}/${name}`;
      let next = cur.map.get(name);
      if (next === undefined) {
        next = implicitDir(path, name, pkg);
        cur.map.set(name, next);
      } else if (next.kind !== 'directory') {
        // resolve() follows symlinks and stops at files, so only a file can be met here.
        conflict(path, next, pkg, 'a directory');
      }
      cur = next;
    }
    return cur;
  }

  /** The directory an entry goes into, through every symlink on the way. */
  #parentOf(p: Pending): MDir {
    const raw = p.input.entry.target;
    const slash = raw.lastIndexOf('/');
    const key = slash < 0 ? '' : raw.slice(0, slash);
    const cached = this.#cacheParents ? this.#parents.get(key) : undefined;
    if (cached !== undefined) return cached;
    const r = this.resolve([], p.parts.slice(0, -1), p.pkg, raw, true);
    if (!r.ok) {
      if (r.why === 'file' && r.node !== undefined)
        conflict(r.node.path, r.node, p.pkg, `the parent of /usr/${raw}`);
      throw new VfsError(
        'VFS_UNSAFE_PATH',
        `${p.pkg}: /usr/${raw} resolves outside /usr through a symlink in the tree`,
        {
          path: `/usr/${raw}`,
          package: p.pkg,
        },
      );
    }
    const parent = this.mkdirp(r.dir, p.pkg);
    if (this.#cacheParents) this.#parents.set(key, parent);
    return parent;
  }

  /** Places one entry; identical entries merge, every other clash is VFS_CONFLICT. */
  place(p: Pending): void {
    const { pkg, parts } = p;
    const parent = this.#parentOf(p);
    const name = parts[parts.length - 1] as string;
    const path = parent.path === '' ? name : `${parent.path}/${name}`;
    const existing = parent.map.get(name);
    const e = p.input.entry;
    const mode = e.mode & 0o7777;
    if (e.type === 'directory') {
      if (existing === undefined)
        parent.map.set(name, { ...implicitDir(path, name, ''), pkg, mode, implicit: false });
      else if (existing.kind !== 'directory') conflict(path, existing, pkg, 'a directory');
      else {
        existing.implicit = false;
        existing.pkg = pkg;
        existing.mode = mode;
      }
      return;
    }
    let node: MNode;
    if (e.type === 'regular') {
      const hash = e.hash.toLowerCase();
      if (existing?.kind === 'regular' && existing.hash === hash && existing.mode === mode) return;
      node = { kind: 'regular', path, name, pkg, mode, hash };
    } else if (e.type === 'symlink') {
      if (existing?.kind === 'symlink' && existing.target === e.source) return;
      node = { kind: 'symlink', path, name, pkg, mode: 0o777, target: e.source };
    } else return;
    if (existing !== undefined) {
      const what =
        node.kind === 'regular'
          ? existing.kind === 'regular' && existing.hash === node.hash
            ? `the same file with mode ${mode.toString(8)} (not ${existing.mode.toString(8)})`
            : 'a different file'
          : `a symlink to ${JSON.stringify(node.target)}`;
      conflict(path, existing, pkg, what);
    }
    parent.map.set(name, node);
    if (node.kind === 'symlink') this.placedLinks.push(node);
  }

  /**
   * Follows every symlink once (a loop nothing was placed under is still a broken package set,
   * unless `checkLoops` is false: see BuildTreeOptions) and returns the ones something was
   * placed through, as link → where its children went.
   */
  redirects(checkLoops = true): Map<string, string> {
    const out = new Map<string, string>();
    for (const node of this.placedLinks) {
      let r: Resolved;
      try {
        r = this.resolve(node.path.split('/').slice(0, -1), [node.name], node.pkg, node.path, false);
      } catch (err) {
        if (!checkLoops && err instanceof VfsError && err.code === 'VFS_SYMLINK_CYCLE') continue;
        throw err;
      }
      if (this.#usedAsDir.has(node) && r.ok) out.set(node.path, r.dir.join('/'));
    }
    return out;
  }
}
