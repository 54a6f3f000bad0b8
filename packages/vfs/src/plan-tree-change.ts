import { buildTree } from './build-tree.js';
import { TreeResolver } from './tree-resolver.js';
import type { VfsDirectory, VfsFile, VfsInput, VfsNode, VfsSymlink, VfsTree } from './types.js';
import { VfsError } from './vfs-error.js';

/** A layout entry with its place in the order a whole state's build reads it. */
export interface OrderedInput extends VfsInput {
  /**
   * Position in the full build's input order (moss: the package's rank among the state's
   * package ids, then its row id), unique to the entry. Only the relative order matters: it
   * decides which of two identical entries is kept and which directory's mode wins, exactly as
   * in a full build.
   */
  readonly order: number;
}

/**
 * Regular files of the packages both states keep, found by layout path. moss answers these
 * from indexes of its layout database; they are the only part of the unchanged system the
 * plan reads.
 */
export interface KeptFiles {
  /** The kept files whose layout path is one of `paths`. */
  at(paths: readonly string[]): Iterable<OrderedInput>;
  /** For each of `dirs`, some kept file whose layout path lies below `dir/` (none if there is none). */
  under(dirs: readonly string[]): Iterable<OrderedInput>;
  /** The kept files directly inside one of `dirs` (for directories to bring back to their layout). */
  within(dirs: readonly string[]): Iterable<OrderedInput>;
}

/** What one state's tree needs to become another's. */
export interface TreeChangeInput {
  /** Directories and symlinks of the packages both states have. */
  readonly keptStructure: readonly OrderedInput[];
  /** Every entry of the packages that go. */
  readonly removed: readonly OrderedInput[];
  /** Every entry of the packages that come. */
  readonly added: readonly OrderedInput[];
  readonly kept: KeptFiles;
  /**
   * Directories (canonical, relative to `/usr`) whose contents may differ from the old state's
   * layout (something wrote there after the tree was made: triggers, people). Their children
   * are brought to the new state whatever they are on disk.
   */
  readonly dirty?: readonly DirtyDirectory[];
}

export interface DirtyDirectory {
  readonly path: string;
  /** Names found in it on disk. */
  readonly names: readonly string[];
}

/** A directory to make or to give a mode. */
export interface DirectoryChange {
  readonly path: string;
  readonly mode: number;
}

/** The operations that turn the old tree into the new one, in the order they are applied. */
export interface TreeChangePlan {
  readonly kind: 'change';
  /** Files and symlinks to unlink (old content known). */
  readonly unlink: readonly string[];
  /**
   * Directories the new state may not have, deepest first: removed when empty, otherwise (still
   * implied by files of kept packages) given `mode`, the mode of a directory nobody ships.
   */
  readonly rmdir: readonly DirectoryChange[];
  /** Directories to make (or whose mode to set when they exist), parents first. */
  readonly mkdir: readonly DirectoryChange[];
  /** Files and symlinks to create, every parent made before. */
  readonly create: readonly (VfsFile | VfsSymlink)[];
  /**
   * Paths whose disk content is unknown (children of dirty directories): made to match the node,
   * or removed (with anything below) when the node is undefined.
   */
  readonly converge: readonly { readonly path: string; readonly node: VfsNode | undefined }[];
  /** Entries of the new state the plan placed (the changed packages' and those they touch). */
  readonly placed: number;
}

/**
 * The change cannot be planned from the changed packages alone: a symlink that other entries
 * are placed through changes, which moves entries the plan never read. Build the whole tree.
 */
export interface TreeRebuild {
  readonly kind: 'rebuild';
  readonly reason: string;
}

const isLeaf = (n: VfsNode | undefined): n is VfsFile | VfsSymlink =>
  n !== undefined && n.kind !== 'directory';

function sameLeaf(a: VfsFile | VfsSymlink, b: VfsFile | VfsSymlink): boolean {
  if (a.kind === 'regular') return b.kind === 'regular' && a.hash === b.hash && a.mode === b.mode;
  return b.kind === 'symlink' && a.target === b.target;
}

const byOrder = (a: OrderedInput, b: OrderedInput) => a.order - b.order;

/** A directory nobody ships, there because files are (mode 0755, as buildTree makes them). */
function impliedDirectory(path: string): VfsDirectory {
  return {
    kind: 'directory',
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    pkg: '',
    mode: 0o755,
    implicit: true,
    children: [],
  };
}
const depth = (p: string) => (p === '' ? 0 : p.split('/').length);

/**
 * Plans the change of a tree from one state to another from the packages that change, without
 * the entries of the packages both states keep, except where the change touches them. Pure.
 *
 * How it stays as strict as a full build: it builds two partial trees with `buildTree` itself,
 * in the full build's order: every directory and symlink of each state, the files of the
 * packages that go (old) or come (new), and every kept file at a path the change touches (the
 * paths of the changed entries and their parent directories, in every spelling symlinks allow)
 * or below a file or symlink that comes. Every conflict of the new state involves an entry that
 * comes, and the partial new tree holds both sides of it, so `buildTree` throws the same
 * `VFS_CONFLICT`, `VFS_UNSAFE_PATH` or `VFS_SYMLINK_CYCLE` a full build would. The plan is the
 * difference of the two partial trees. A symlink that changes while kept files lie beneath one
 * of its spellings (or beneath a link resolved through it) would move files the plan never
 * read: then it answers `rebuild`.
 */
export function planTreeChange(input: TreeChangeInput): TreeChangePlan | TreeRebuild {
  const prepared = prepareTreeChange(input);
  return prepared.kind === 'rebuild' ? prepared : finishTreeChange(prepared, input.dirty ?? []);
}

/**
 * The first half of {@link planTreeChange}: everything that does not depend on the dirty
 * directories (both states' structure, where the changed entries land, the kept files there).
 * A caller that finds the dirty directories at the same time (a scan of the old tree on another
 * thread) passes them to {@link finishTreeChange} once known.
 */
export function prepareTreeChange(input: Omit<TreeChangeInput, 'dirty'>): PreparedTreeChange | TreeRebuild {
  return prepareSlim(input) ?? prepareFull(input);
}

/**
 * The general case: both states' whole structure in every tree (used when a changed entry is
 * placed through a symlink that changes too, where the slim plan's single structure tree would
 * put it in the wrong place).
 */
function prepareFull(input: Omit<TreeChangeInput, 'dirty'>): PreparedTreeChange | TreeRebuild {
  const structure = (i: OrderedInput) => i.entry.type !== 'regular';
  const addedStructure = input.added.filter(structure);
  const removedStructure = input.removed.filter(structure);
  // Loops are left to the partial trees built later, which report them after any conflict, as
  // a full build does. With no directory or symlink changing, both states' structure is one.
  const lenient = { checkLoops: false };
  const oldStructure = buildTree([...input.keptStructure, ...removedStructure].sort(byOrder), lenient);
  const newStructure =
    addedStructure.length === 0 && removedStructure.length === 0
      ? oldStructure
      : buildTree([...input.keptStructure, ...addedStructure].sort(byOrder), lenient);
  const oldR = new TreeResolver(oldStructure);
  const newR = oldStructure === newStructure ? oldR : new TreeResolver(newStructure);

  // Canonical paths of every changed entry, and their parents.
  const touched = new Set<string>();
  const addedLeaves: string[] = [];
  const removedLeaves = new Set<string>();
  const touch = (path: string) => {
    for (let p = path; p !== '' && !touched.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/'))))
      touched.add(p);
  };
  for (const e of input.removed) {
    const p = oldR.canonical(e.entry.target, e.pkg);
    touch(p);
    if (e.entry.type !== 'directory') removedLeaves.add(p);
  }
  for (const e of input.added) {
    let p: string;
    try {
      p = newR.canonical(e.entry.target, e.pkg);
    } catch (err) {
      // A hostile path, or one through a loop: the partial tree refuses it as a full build
      // would (and reports a conflict placed before it first).
      if (err instanceof VfsError) continue;
      throw err;
    }
    touch(p);
    // Kept files below a leaf that comes are a conflict, unless a leaf that goes was there
    // before (no kept file could lie below it then): an upgrade's files ask for nothing.
    if (e.entry.type !== 'directory' && !removedLeaves.has(p)) addedLeaves.push(p);
  }
  const resolvers = oldR === newR ? [oldR] : [oldR, newR];
  const spellings = (paths: Iterable<string>): string[] | undefined => {
    const out = new Set<string>();
    for (const p of paths) {
      for (const r of resolvers) {
        const a = r.aliases(p);
        if (a === undefined) return undefined;
        for (const s of a) out.add(s);
      }
    }
    return [...out];
  };
  const touchedSpellings = spellings(touched);
  const leafSpellings = spellings(addedLeaves);
  if (touchedSpellings === undefined || leafSpellings === undefined) {
    return { kind: 'rebuild', reason: 'a path of the change has too many spellings through symlinks' };
  }
  return {
    kind: 'prepared',
    input,
    removedStructure,
    touched,
    spelled: new Set(touchedSpellings),
    keptAt: [...input.kept.at(touchedSpellings)],
    keptUnder: leafSpellings.length === 0 ? [] : [...input.kept.under(leafSpellings)],
    spellings,
    slim: undefined,
  };
}

/** The kept structure a slim plan places, by canonical path, and how to find more of it. */
interface Slim {
  readonly resolver: TreeResolver;
  readonly byPath: ReadonlyMap<string, readonly OrderedInput[]>;
  /** Kept symlinks the lookups of the changed and kept entries followed. */
  readonly via: Set<string>;
}

/**
 * The usual case, cheap: one structure tree of the packages both states keep, and in the
 * partial trees only the part of it the change touches (its entries at touched paths and the
 * symlinks the lookups follow): for a one-package change, tens of entries instead of the
 * thousands of a whole system's directories and symlinks. Valid when no changed entry is
 * placed through a symlink that changes and no kept symlink leads through one (undefined
 * otherwise: the general case), and when a symlink that changes has no kept entry beneath
 * (else it answers `rebuild`, as the general case would).
 */
function prepareSlim(input: Omit<TreeChangeInput, 'dirty'>): PreparedTreeChange | TreeRebuild | undefined {
  const keptTree = buildTree([...input.keptStructure].sort(byOrder), { checkLoops: false });
  const r = new TreeResolver(keptTree);
  const via = new Set<string>();
  const locateAll = (entries: readonly OrderedInput[], strict: boolean) => {
    const out = new Map<OrderedInput, string>();
    for (const e of entries) {
      let at: { path: string; via: readonly VfsSymlink[] };
      try {
        at = r.locate(e.entry.target, e.pkg);
      } catch (err) {
        // A hostile or looping path of a package that comes: the partial tree refuses it.
        if (strict || !(err instanceof VfsError)) throw err;
        continue;
      }
      out.set(e, at.path);
      for (const l of at.via) via.add(l.path);
    }
    return out;
  };
  const removedAt = locateAll(input.removed, true);
  const addedAt = locateAll(input.added, false);
  // Where the symlinks that come and go are, and what each path leads to before and after.
  const linkTargets = (at: Map<OrderedInput, string>) => {
    const m = new Map<string, string>();
    for (const [e, p] of at) if (e.entry.type === 'symlink') m.set(p, e.entry.source);
    return m;
  };
  const oldLinks = linkTargets(removedAt);
  const newLinks = linkTargets(addedAt);
  const linkPaths = new Set([...oldLinks.keys(), ...newLinks.keys()]);
  // A changed entry below one of them would be misplaced by the kept structure alone.
  const below = (p: string) => {
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1))
      if (linkPaths.has(p.slice(0, i))) return true;
    return false;
  };
  for (const p of [...removedAt.values(), ...addedAt.values()]) if (below(p)) return undefined;
  const keptLink = (p: string) => {
    const n = keptTree.get(p);
    return n?.kind === 'symlink' ? n.target : undefined;
  };
  const changed = new Set<string>();
  for (const p of linkPaths) {
    if ((oldLinks.get(p) ?? keptLink(p)) !== (newLinks.get(p) ?? keptLink(p))) changed.add(p);
  }
  if (changed.size > 0) {
    // Kept symlinks that lead through a changed path change where they lead as well.
    const affected = new Set(changed);
    const keptLinks: VfsSymlink[] = [];
    for (const n of keptTree.walk()) if (n.kind === 'symlink') keptLinks.push(n);
    for (let grew = true; grew; ) {
      grew = false;
      for (const l of keptLinks) {
        if (affected.has(l.path)) continue;
        let through = false;
        r.follow(l, (dir) => {
          through ||= affected.has(dir);
        });
        if (through) {
          affected.add(l.path);
          grew = true;
        }
      }
    }
    // A changed entry placed through one of those is placed by the general case.
    for (const e of [...removedAt.keys(), ...addedAt.keys()]) {
      const at = r.locate(e.entry.target, e.pkg);
      if (at.via.some((l) => affected.has(l.path))) return undefined;
    }
    for (const p of affected) {
      const spelled = r.aliases(p);
      if (spelled === undefined)
        return { kind: 'rebuild', reason: `/usr/${p} has too many spellings through symlinks` };
      for (const f of input.kept.under(spelled)) {
        return {
          kind: 'rebuild',
          reason: `/usr/${p} changes, and ${f.pkg} places /usr/${f.entry.target} through it`,
        };
      }
      for (const s of input.keptStructure) {
        if (spelled.some((a) => s.entry.target.startsWith(`${a}/`))) {
          return {
            kind: 'rebuild',
            reason: `/usr/${p} changes, and ${s.pkg} places /usr/${s.entry.target} through it`,
          };
        }
      }
    }
  }
  // The targets of the symlinks that come lead through kept symlinks too (a loop is found
  // only if every link of it is in the partial tree).
  for (const [e, p] of addedAt) {
    if (e.entry.type !== 'symlink') continue;
    try {
      const res = r.resolveTarget(p, e.entry.source);
      if (res.ok) for (const l of res.via) via.add(l.path);
    } catch (err) {
      if (!(err instanceof VfsError)) throw err;
    }
  }
  // Where each kept directory and symlink is: its own layout path, unless that path leads
  // through a symlink the tree redirects through (only those are looked up: a lookup each for
  // the thousands of a whole system cost more than building the tree).
  const redirected = keptTree.redirects.map((d) => `${d.link}/`);
  const byPath = new Map<string, OrderedInput[]>();
  for (const s of input.keptStructure) {
    const raw = s.entry.target;
    const p = redirected.some((l) => raw.startsWith(l)) ? r.canonical(raw, s.pkg) : raw;
    const list = byPath.get(p);
    if (list === undefined) byPath.set(p, [s]);
    else list.push(s);
  }

  const touched = new Set<string>();
  const touch = (path: string) => {
    for (let p = path; p !== '' && !touched.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/'))))
      touched.add(p);
  };
  const removedLeaves = new Set<string>();
  for (const [e, p] of removedAt) {
    touch(p);
    if (e.entry.type !== 'directory') removedLeaves.add(p);
  }
  const addedLeaves: string[] = [];
  for (const [e, p] of addedAt) {
    touch(p);
    if (e.entry.type !== 'directory' && !removedLeaves.has(p)) addedLeaves.push(p);
  }
  const spellings = (paths: Iterable<string>): string[] | undefined => {
    const out = new Set<string>();
    for (const p of paths) {
      const a = r.aliases(p);
      if (a === undefined) return undefined;
      for (const s of a) out.add(s);
    }
    return [...out];
  };
  const touchedSpellings = spellings(touched);
  const leafSpellings = spellings(addedLeaves);
  if (touchedSpellings === undefined || leafSpellings === undefined) {
    return { kind: 'rebuild', reason: 'a path of the change has too many spellings through symlinks' };
  }
  const keptAt = [...input.kept.at(touchedSpellings)];
  const keptUnder = leafSpellings.length === 0 ? [] : [...input.kept.under(leafSpellings)];
  locateAll(keptAt, false);
  locateAll(keptUnder, false);
  return {
    kind: 'prepared',
    input,
    removedStructure: input.removed.filter((i) => i.entry.type !== 'regular'),
    touched,
    spelled: new Set(touchedSpellings),
    keptAt,
    keptUnder,
    spellings,
    slim: { resolver: r, byPath, via },
  };
}

/** What {@link prepareTreeChange} found; opaque to callers. */
export interface PreparedTreeChange {
  readonly kind: 'prepared';
  readonly input: Omit<TreeChangeInput, 'dirty'>;
  readonly removedStructure: readonly OrderedInput[];
  readonly touched: ReadonlySet<string>;
  readonly spelled: ReadonlySet<string>;
  readonly keptAt: readonly OrderedInput[];
  readonly keptUnder: readonly OrderedInput[];
  readonly spellings: (paths: Iterable<string>) => string[] | undefined;
  readonly slim: Slim | undefined;
}

/** The second half of {@link planTreeChange}, once the dirty directories are known. */
export function finishTreeChange(
  prepared: PreparedTreeChange,
  dirty: readonly DirtyDirectory[],
): TreeChangePlan | TreeRebuild {
  const { input, spellings } = prepared;
  const dirtyChildren: string[] = [];
  const fresh = new Set<string>();
  const touch = (path: string) => {
    for (let p = path; p !== '' && !prepared.touched.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/'))))
      fresh.add(p);
  };
  for (const d of dirty) {
    touch(d.path);
    for (const name of d.names) {
      const p = d.path === '' ? name : `${d.path}/${name}`;
      dirtyChildren.push(p);
      if (!prepared.touched.has(p)) fresh.add(p);
    }
  }
  const freshSpellings = spellings(fresh);
  const dirtySpellings = spellings(dirty.map((d) => d.path));
  if (freshSpellings === undefined || dirtySpellings === undefined) {
    return { kind: 'rebuild', reason: 'a path of the change has too many spellings through symlinks' };
  }
  const unasked = freshSpellings.filter((p) => !prepared.spelled.has(p));
  const keptAt = [
    ...prepared.keptAt,
    ...(unasked.length > 0 ? input.kept.at(unasked) : []),
    ...(dirtySpellings.length > 0 ? input.kept.within(dirtySpellings) : []),
  ];
  const structure = (i: OrderedInput) => i.entry.type !== 'regular';
  const kept =
    prepared.slim === undefined
      ? input.keptStructure
      : slimStructure(
          prepared,
          fresh,
          keptAt,
          dirty.map((d) => d.path),
        );

  const oldTree = buildTree(
    [
      ...kept,
      ...prepared.removedStructure,
      ...input.removed.filter((i) => !structure(i)),
      ...dedup(keptAt, []),
    ].sort(byOrder),
  );
  const newTree = buildTree([...kept, ...input.added, ...dedup(keptAt, prepared.keptUnder)].sort(byOrder));

  if (prepared.slim === undefined) {
    const moved = movedLinks(oldTree, newTree, input.kept);
    if (moved !== undefined) return { kind: 'rebuild', reason: moved };
  }

  // Every child of a dirty directory is brought to the new state from whatever the disk has:
  // the names found there, and those either state's layout puts there (one may be missing).
  const converge = new Set(dirtyChildren);
  for (const d of dirty) {
    for (const t of [oldTree, newTree]) {
      const node = d.path === '' ? t.root : t.get(d.path);
      if (node?.kind === 'directory') for (const c of node.children) converge.add(c.path);
    }
  }
  // A name found on disk that neither partial tree has may still be a directory the new state
  // has, implied by kept files the plan did not read (`/usr/share` of a whole system): asked
  // of the index, one kept file below it is enough.
  const implied = new Set<string>();
  for (const p of dirtyChildren) {
    if (newTree.get(p) !== undefined) continue;
    const spelled = spellings([p]);
    if (spelled === undefined)
      return { kind: 'rebuild', reason: `/usr/${p} has too many spellings through symlinks` };
    for (const _ of input.kept.under(spelled)) {
      implied.add(p);
      break;
    }
  }
  return diff(
    oldTree,
    newTree,
    converge,
    implied,
    dirty.map((d) => d.path),
  );
}

/**
 * The kept directories and symlinks a slim plan's partial trees hold: those at every touched
 * path, and every symlink a lookup of a placed entry follows (with what their own lookups follow).
 */
function slimStructure(
  prepared: PreparedTreeChange,
  fresh: ReadonlySet<string>,
  keptAt: readonly OrderedInput[],
  dirtyDirs: readonly string[],
): OrderedInput[] {
  const slim = prepared.slim as Slim;
  const out = new Set<OrderedInput>();
  // The children of each dirty directory (its converge makes each one what the new state has
  // there, or removes it): every entry at a child, for its kind and mode, and for a child that
  // only deeper entries imply, one of them, which implies it and every directory between. The
  // converge of a directory does not reach below it, so the rest of the subtree can stay out.
  // (Every entry below, as before, put the whole structure in both trees whenever `/usr` itself
  // was dirty, which is always, as its ledger is written there: 40-90 ms of a one-package
  // change's planning on the 357k-entry benchmark tree.)
  if (dirtyDirs.length > 0) {
    const dirs = new Set(dirtyDirs);
    const implied = new Set<string>();
    for (const [p, entries] of slim.byPath) {
      // Each dirty ancestor `a` of p: the child of `a` that p is or lies below.
      for (let i = -1; i < p.length; ) {
        const a = i < 0 ? '' : p.slice(0, i);
        const next = p.indexOf('/', i + 1);
        const child = next === -1 ? p : p.slice(0, next);
        if (dirs.has(a)) {
          if (child === p) for (const e of entries) out.add(e);
          else if (!implied.has(child)) {
            implied.add(child);
            for (const e of entries) out.add(e);
          }
        }
        if (next === -1) break;
        i = next;
      }
    }
  }
  const links: string[] = [...slim.via];
  for (const e of keptAt) {
    try {
      for (const l of slim.resolver.locate(e.entry.target, e.pkg).via) links.push(l.path);
    } catch {}
  }
  const add = (p: string) => {
    for (const e of slim.byPath.get(p) ?? []) out.add(e);
  };
  for (const p of prepared.touched) add(p);
  for (const p of fresh) add(p);
  const seen = new Set<string>();
  while (links.length > 0) {
    const l = links.pop() as string;
    if (seen.has(l)) continue;
    seen.add(l);
    for (const e of slim.byPath.get(l) ?? []) {
      if (out.has(e)) continue;
      out.add(e);
      try {
        for (const v of slim.resolver.locate(e.entry.target, e.pkg).via) links.push(v.path);
      } catch {}
    }
  }
  return [...out];
}

/** `a` then `b`, each entry once (the same kept file can be found by two lookups). */
function dedup(a: readonly OrderedInput[], b: readonly OrderedInput[]): OrderedInput[] {
  const seen = new Set<number>();
  const out: OrderedInput[] = [];
  for (const x of [...a, ...b]) {
    if (seen.has(x.order)) continue;
    seen.add(x.order);
    out.push(x);
  }
  return out;
}

/**
 * A reason to rebuild when a symlink that differs between the trees (or one resolved through
 * such a symlink) has kept files beneath one of its spellings: those files would move.
 */
function movedLinks(oldTree: VfsTree, newTree: VfsTree, kept: KeptFiles): string | undefined {
  const links = (t: VfsTree) => {
    const m = new Map<string, VfsSymlink>();
    for (const n of t.walk()) if (n.kind === 'symlink') m.set(n.path, n);
    return m;
  };
  const oldLinks = links(oldTree);
  const newLinks = links(newTree);
  const changed = new Set<string>();
  for (const [p, l] of oldLinks) if (newLinks.get(p)?.target !== l.target) changed.add(p);
  for (const [p, l] of newLinks) if (oldLinks.get(p)?.target !== l.target) changed.add(p);
  // A directory that becomes a symlink, or the reverse, changes a link too (counted above);
  // so does a path that is a symlink in one tree and a file in the other.
  if (changed.size === 0) return undefined;
  const resolvers = [new TreeResolver(oldTree), new TreeResolver(newTree)];
  // Links resolved through a changed link change where they lead as well.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [r, all] of [
      [resolvers[0]!, oldLinks],
      [resolvers[1]!, newLinks],
    ] as const) {
      for (const [p, l] of all) {
        if (changed.has(p)) continue;
        if (r.follow(l)?.via.some((v) => changed.has(v.path))) {
          changed.add(p);
          grew = true;
        }
      }
    }
  }
  for (const p of changed) {
    const spellings = new Set<string>();
    for (const r of resolvers) {
      const a = r.aliases(p);
      if (a === undefined) return `/usr/${p} changes and has too many spellings through symlinks`;
      for (const s of a) spellings.add(s);
    }
    for (const f of kept.under([...spellings])) {
      return `/usr/${p} changes, and ${f.pkg} places /usr/${f.entry.target} through it`;
    }
  }
  return undefined;
}

function diff(
  oldTree: VfsTree,
  newTree: VfsTree,
  converge: ReadonlySet<string>,
  implied: ReadonlySet<string>,
  dirtyDirs: readonly string[],
): TreeChangePlan {
  const unlink: string[] = [];
  const rmdir: DirectoryChange[] = [];
  const mkdir: DirectoryChange[] = [];
  const create: (VfsFile | VfsSymlink)[] = [];
  const convergeOps: { path: string; node: VfsNode | undefined }[] = [];
  const paths = new Set<string>();
  for (const n of oldTree.walk()) paths.add(n.path);
  for (const n of newTree.walk()) paths.add(n.path);
  for (const p of converge) paths.add(p);
  for (const p of paths) {
    const o = oldTree.get(p);
    const n = newTree.get(p);
    if (converge.has(p)) {
      const node = n ?? (implied.has(p) ? impliedDirectory(p) : undefined);
      // A directory is made (or given its mode, or put in place of a file) with the others,
      // before anything is created in it; the rest is compared with the disk at the end.
      if (node?.kind === 'directory') mkdir.push({ path: p, mode: node.mode });
      else convergeOps.push({ path: p, node });
      continue;
    }
    if (o?.kind === 'directory') {
      if (n?.kind === 'directory') {
        if (n.mode !== o.mode) mkdir.push({ path: p, mode: n.mode });
        continue;
      }
      // Kept files the plan did not read may still imply it: then it stays, as a directory
      // nobody ships.
      rmdir.push({ path: p, mode: 0o755 });
    } else if (isLeaf(o)) {
      if (isLeaf(n) && sameLeaf(o, n)) continue;
      unlink.push(p);
    }
    if (n?.kind === 'directory') mkdir.push({ path: p, mode: n.mode });
    else if (isLeaf(n)) create.push(n);
  }
  // The directories whose contents are brought back: their own mode too.
  for (const d of dirtyDirs) {
    const n = d === '' ? newTree.root : newTree.get(d);
    if (n?.kind === 'directory') mkdir.push({ path: d, mode: n.mode });
  }
  rmdir.sort((a, b) => depth(b.path) - depth(a.path));
  mkdir.sort((a, b) => depth(a.path) - depth(b.path));
  convergeOps.sort((a, b) => depth(a.path) - depth(b.path));
  return {
    kind: 'change',
    unlink,
    rmdir,
    mkdir,
    create,
    converge: convergeOps,
    placed: newTree.size,
  };
}
