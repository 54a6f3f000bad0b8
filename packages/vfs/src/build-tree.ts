import { splitLayoutPath } from './layout-path.js';
import type { BuildTreeOptions, VfsDirectory, VfsInput, VfsNode, VfsRedirect, VfsTree } from './types.js';
import { VfsError } from './vfs-error.js';

/** XXH3-128 of zero bytes: such files are created empty by the blit, never linked. */
export const EMPTY_FILE_HASH = '99aa06d3014798d86001c324468d497f';

/** Linux gives up after 40 symlinks in one lookup (ELOOP); a cycle always exceeds it. */
const MAX_HOPS = 40;

interface MDir {
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
interface MFile {
  kind: 'regular';
  path: string;
  name: string;
  pkg: string;
  mode: number;
  hash: string;
}
interface MLink {
  kind: 'symlink';
  path: string;
  name: string;
  pkg: string;
  mode: number;
  target: string;
}
type MNode = MDir | MFile | MLink;

interface Pending {
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

function conflict(path: string, existing: MNode, pkg: string, what: string): never {
  const other = owner(existing);
  throw new VfsError(
    'VFS_CONFLICT',
    `/usr/${path} is ${describe(existing)} in ${other} but ${what} in ${pkg}`,
    { path: `/usr/${path}`, packages: [other, pkg], existing: existing.kind },
  );
}

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
  const root: MDir = {
    kind: 'directory',
    path: '',
    name: '',
    pkg: '',
    mode: 0o755,
    implicit: true,
    impliedBy: '',
    map: new Map(),
    children: [],
  };
  const placedLinks: MLink[] = [];
  const redirects = new Map<string, string>();
  const usedAsDir = new Set<MLink>();

  /**
   * Resolves `parts` (the parent components of an entry) to an existing-or-creatable
   * directory, following symlinks in the tree. `stack` holds absolute components starting
   * with `usr`, each a directory or nothing yet (never a symlink), so `..` is a plain pop.
   * Returns the canonical path relative to `/usr`, or a reason when it is not a directory.
   */
  const resolve = (
    start: readonly string[],
    parts: readonly string[],
    pkg: string,
    path: string,
    record: boolean,
  ): { ok: true; dir: string[] } | { ok: false; why: 'escape' | 'file'; node?: MNode } => {
    // Each frame is a component and its directory node, if it exists yet.
    const stack: { name: string; dir: MDir | undefined }[] = [{ name: 'usr', dir: root }];
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
        stack.push({ name: c, dir: root });
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
    const dir = stack.slice(1).map((f) => f.name);
    if (record) for (const l of via) usedAsDir.add(l);
    return { ok: true, dir };
  };

  /** The directory node at canonical `dir`, creating implicit ones along the way. */
  const mkdirp = (dir: readonly string[], pkg: string): MDir => {
    let cur = root;
    let path = '';
    for (const name of dir) {
      path = path === '' ? name : `${path}/${name}`;
      let next = cur.map.get(name);
      if (next === undefined) {
        next = {
          kind: 'directory',
          path,
          name,
          pkg: '',
          mode: 0o755,
          implicit: true,
          impliedBy: pkg,
          map: new Map(),
          children: [],
        };
        cur.map.set(name, next);
      } else if (next.kind !== 'directory') {
        // resolve() follows symlinks and stops at files, so only a file can be met here.
        conflict(path, next, pkg, 'a directory');
      }
      cur = next;
    }
    return cur;
  };

  // Raw parent path → its directory. Only used once every symlink is placed (they alone
  // change where a path leads; a directory stays one), and it makes the build linear.
  const parents = new Map<string, MDir>();
  let cacheParents = false;
  const place = (p: Pending): void => {
    const { pkg, parts, input } = p;
    const raw = input.entry.target;
    const slash = raw.lastIndexOf('/');
    const parentKey = slash < 0 ? '' : raw.slice(0, slash);
    let parent = cacheParents ? parents.get(parentKey) : undefined;
    if (parent === undefined) {
      const r = resolve([], parts.slice(0, -1), pkg, raw, true);
      if (!r.ok) {
        if (r.why === 'file' && r.node !== undefined) {
          conflict(r.node.path, r.node, pkg, `the parent of /usr/${raw}`);
        }
        throw new VfsError(
          'VFS_UNSAFE_PATH',
          `${pkg}: /usr/${raw} resolves outside /usr through a symlink in the tree`,
          { path: `/usr/${raw}`, package: pkg },
        );
      }
      parent = mkdirp(r.dir, pkg);
      if (cacheParents) parents.set(parentKey, parent);
    }
    const name = parts[parts.length - 1] as string;
    const path = parent.path === '' ? name : `${parent.path}/${name}`;
    const existing = parent.map.get(name);
    const e = input.entry;
    const mode = e.mode & 0o7777;
    if (e.type === 'directory') {
      if (existing === undefined) {
        const d: MDir = {
          kind: 'directory',
          path,
          name,
          pkg,
          mode,
          implicit: false,
          impliedBy: '',
          map: new Map(),
          children: [],
        };
        parent.map.set(name, d);
      } else if (existing.kind === 'directory') {
        existing.implicit = false;
        existing.pkg = pkg;
        existing.mode = mode;
      } else {
        conflict(path, existing, pkg, 'a directory');
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
    } else {
      return;
    }
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
    if (node.kind === 'symlink') placedLinks.push(node);
  };

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
    for (const p of links) place(p);
    cacheParents = true;
    for (const p of dirs) place(p);
    links.length = 0;
    dirs.length = 0;
    structureDone = true;
  };
  const placeFile = (input: VfsInput): void =>
    place({ pkg: input.pkg, parts: splitLayoutPath(input.entry.target, input.pkg), input, seq: 0 });

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

  // A loop nothing was placed under is still a broken package set, so every symlink is
  // followed once; the ones something was placed through are the redirects.
  for (const node of placedLinks) {
    let r: ReturnType<typeof resolve>;
    try {
      r = resolve(node.path.split('/').slice(0, -1), [node.name], node.pkg, node.path, false);
    } catch (err) {
      if (options.checkLoops === false && err instanceof VfsError && err.code === 'VFS_SYMLINK_CYCLE')
        continue;
      throw err;
    }
    if (usedAsDir.has(node) && r.ok) redirects.set(node.path, r.dir.join('/'));
  }

  return freeze(root, redirects);
}

function freeze(root: MDir, redirects: Map<string, string>): VfsTree {
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
