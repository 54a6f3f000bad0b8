// planTreeChange + applyTreeChange against the full build: random package sets over a small
// namespace (so paths collide: shared directories with different modes, identical files in two
// packages, symlinked directories with files placed through them, conflicts), the old state
// blitted, changed in place, then compared entry by entry (type, mode, link text, inode of the
// store asset) with the new state's full build. Conflicts must be the full build's.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyTreeChange,
  blit,
  buildTree,
  EMPTY_FILE_HASH,
  type KeptFiles,
  mossAssetPath,
  type OrderedInput,
  planTreeChange,
  type VfsInput,
  type VfsTree,
} from '../src/index.js';
import { D, F, L } from './helpers.js';

let work: string;
let store: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'vfs-change-'));
  store = join(work, 'store');
  mkdirSync(store);
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const CONTENTS = ['a', 'b', 'c', 'd'].map((c) => c.repeat(32));
/** Asset modes: content a and b are executables in the store, c and d are not. */
function assets(): void {
  CONTENTS.forEach((h, i) => {
    const p = mossAssetPath(store, h);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, `content ${i}`);
    chmodSync(p, i < 2 ? 0o755 : 0o644);
  });
}

/** xorshift32: the same cases on every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const DIRS = ['bin', 'lib', 'lib/sub', 'share', 'share/doc', 'share/doc/x'];
const NAMES = ['f', 'g', 'h', 'i', 'j', 'k'];

/** A random package: a few files, maybe a directory with a mode, maybe a symlink. */
function randomPackage(r: (n: number) => number, name: string): VfsInput[] {
  const out: VfsInput[] = [];
  const n = 1 + r(4);
  for (let i = 0; i < n; i++) {
    const dir = ['lib64', 'lib32', ...DIRS][r(DIRS.length + 2)]!;
    const file = `${dir}/${NAMES[r(NAMES.length)]}`;
    const k = r(10);
    if (k < 6) {
      const hash = r(8) === 0 ? EMPTY_FILE_HASH : CONTENTS[r(CONTENTS.length)]!;
      out.push(F(file, name, hash, r(3) === 0 ? 0o755 : 0o644));
    } else if (k < 8) out.push(D(DIRS[r(DIRS.length)]!, name, r(2) === 0 ? 0o755 : 0o700));
    else if (k === 8) out.push(L(file, NAMES[r(NAMES.length)]!, name));
    else out.push(L(['lib64', 'lib32'][r(2)]!, ['lib', 'lib64', 'share'][r(3)]!, name));
  }
  return out;
}

/** Each package's entries with its full-build order: packages by name, then entry index. */
function ordered(pkgs: Map<string, VfsInput[]>): Map<string, OrderedInput[]> {
  const out = new Map<string, OrderedInput[]>();
  const names = [...pkgs.keys()].sort();
  for (const [name, entries] of pkgs) {
    const rank = names.indexOf(name);
    out.set(
      name,
      entries.map((e, i) => ({ ...e, order: rank * 1000 + i })),
    );
  }
  return out;
}

/** In-memory KeptFiles over the kept packages' regular files. */
function keptFiles(files: readonly OrderedInput[]): KeptFiles & { calls: number } {
  const k = {
    calls: 0,
    at(paths: readonly string[]) {
      k.calls++;
      const set = new Set(paths);
      return files.filter((f) => set.has(f.entry.target));
    },
    under(dirs: readonly string[]) {
      k.calls++;
      return dirs.flatMap((d) => files.filter((f) => f.entry.target.startsWith(`${d}/`)).slice(0, 1));
    },
    within(dirs: readonly string[]) {
      k.calls++;
      const set = new Set(dirs);
      return files.filter((f) => set.has(dirname(f.entry.target) === '.' ? '' : dirname(f.entry.target)));
    },
  };
  return k;
}

function fullBuild(pkgs: Map<string, OrderedInput[]>, names: readonly string[]): VfsTree {
  return buildTree(names.flatMap((n) => pkgs.get(n)!).sort((a, b) => a.order - b.order));
}

function listAll(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    out.push(r);
    if (lstatSync(join(dir, r)).isDirectory()) for (const c of listAll(dir, r)) out.push(c);
  }
  return out;
}

/** The directory against the tree, entry by entry: type, mode, link text, asset inode. */
function expectMatches(tree: VfsTree, target: string): void {
  expect(listAll(target).sort()).toEqual([...tree.walk()].map((n) => n.path).sort());
  for (const n of tree.walk()) {
    const p = join(target, n.path);
    const st = lstatSync(p);
    if (n.kind === 'directory') {
      expect(st.isDirectory(), n.path).toBe(true);
      expect(st.mode & 0o7777, n.path).toBe(n.mode);
    } else if (n.kind === 'symlink') {
      expect(st.isSymbolicLink(), n.path).toBe(true);
      expect(readlinkSync(p), n.path).toBe(n.target);
    } else {
      expect(st.isFile(), n.path).toBe(true);
      expect(st.mode & 0o7777, n.path).toBe(n.mode);
      const asset = statSync(mossAssetPath(store, n.hash), { throwIfNoEntry: false });
      if (n.hash === EMPTY_FILE_HASH) expect(st.size).toBe(0);
      else if ((asset!.mode & 0o7777) === n.mode) expect(st.ino, n.path).toBe(asset!.ino);
      else expect(st.ino, `${n.path} is a copy`).not.toBe(asset!.ino);
    }
  }
}

interface Case {
  readonly kept: string[];
  readonly removed: string[];
  readonly added: string[];
  readonly pkgs: Map<string, OrderedInput[]>;
}

function input(c: Case) {
  const keptAll = c.kept.flatMap((n) => c.pkgs.get(n)!);
  return {
    keptStructure: keptAll.filter((i) => i.entry.type !== 'regular'),
    removed: c.removed.flatMap((n) => c.pkgs.get(n)!),
    added: c.added.flatMap((n) => c.pkgs.get(n)!),
    kept: keptFiles(keptAll.filter((i) => i.entry.type === 'regular')),
  };
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const raw = new Map<string, VfsInput[]>();
  const count = 3 + r(5);
  for (let i = 0; i < count; i++) raw.set(`p${i}`, randomPackage(r, `p${i}`));
  const names = [...raw.keys()];
  const kept: string[] = [];
  const removed: string[] = [];
  const added: string[] = [];
  for (const n of names) [kept, removed, added][r(3)]!.push(n);
  return { kept, removed, added, pkgs: ordered(raw) };
}

describe('planTreeChange + applyTreeChange', () => {
  it('turn the old tree into exactly the new full build, or refuse as the full build does', async () => {
    assets();
    let applied = 0;
    let refused = 0;
    let rebuilds = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const c = randomCase(seed);
      let oldTree: VfsTree;
      try {
        oldTree = fullBuild(c.pkgs, [...c.kept, ...c.removed]);
      } catch {
        continue; // the old state could never have been made
      }
      let newTree: VfsTree | Error;
      try {
        newTree = fullBuild(c.pkgs, [...c.kept, ...c.added]);
      } catch (err) {
        newTree = err as Error;
      }
      // Every third case, something wrote into the old tree after it was made (a trigger): junk
      // in /usr and in one of its directories, which are then dirty.
      const target = join(work, `t${seed}`);
      await blit(oldTree, target, { store, workers: 0 });
      const dirty: { path: string; names: string[] }[] = [];
      if (seed % 3 === 0) {
        const dirs = [...oldTree.walk()].filter((n) => n.kind === 'directory').map((n) => n.path);
        const d = dirs.length > 0 ? dirs[seed % dirs.length]! : '';
        writeFileSync(join(target, 'junk'), 'x');
        if (d !== '') mkdirSync(join(target, d, 'cache', 'deep'), { recursive: true });
        for (const p of new Set(['', d])) dirty.push({ path: p, names: readdirSync(join(target, p)) });
      }
      let plan: ReturnType<typeof planTreeChange>;
      try {
        plan = planTreeChange({ ...input(c), dirty });
      } catch (err) {
        expect(newTree, `seed ${seed}: the full build refuses too`).toBeInstanceOf(Error);
        expect((err as { code: string }).code, `seed ${seed}`).toBe((newTree as { code?: string }).code);
        refused++;
        continue;
      }
      // A rebuild hands the state to the full build, which then refuses it or builds it.
      if (plan.kind === 'rebuild') {
        rebuilds++;
        continue;
      }
      expect(newTree, `seed ${seed}: ${(newTree as Error).message}`).not.toBeInstanceOf(Error);
      mkdirSync(join(work, 'tmp'), { recursive: true });
      const opts = { store, tempDir: join(work, 'tmp') };
      // Interrupted somewhere (as by a kill -9), then applied whole, as recovery does.
      const cut = seed % 4;
      await applyTreeChange(
        target,
        {
          ...plan,
          rmdir: cut >= 1 ? plan.rmdir : [],
          mkdir: cut >= 2 ? plan.mkdir : [],
          create: cut >= 3 ? plan.create.slice(0, plan.create.length >> 1) : [],
          converge: cut >= 3 ? plan.converge.slice(0, plan.converge.length >> 1) : [],
        },
        opts,
      );
      await applyTreeChange(target, plan, opts);
      expectMatches(newTree as VfsTree, target);
      // Applied again, it changes nothing.
      await applyTreeChange(target, plan, opts);
      expectMatches(newTree as VfsTree, target);
      applied++;
    }
    // The cases exercise every outcome.
    expect(applied).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(10);
    expect(rebuilds).toBeGreaterThan(0);
  });

  it('reads only the kept files at the paths it touches', () => {
    const pkgs = ordered(
      new Map<string, VfsInput[]>([
        ['big', Array.from({ length: 500 }, (_, i) => F(`share/big/f${i}`, 'big'))],
        ['nano', [F('bin/nano', 'nano'), F('share/nano/a', 'nano')]],
      ]),
    );
    const c = { kept: ['big'], removed: ['nano'], added: [], pkgs };
    const i = input(c);
    const plan = planTreeChange(i);
    expect(plan).toMatchObject({ kind: 'change', unlink: ['bin/nano', 'share/nano/a'] });
    expect(plan.kind === 'change' && plan.rmdir.map((d) => d.path)).toEqual(['share/nano', 'bin', 'share']);
    // Two lookups (at the touched paths, inside dirty directories: none) and no scan of `big`.
    expect(i.kept.calls).toBe(1);
  });

  it('names both packages when the package that comes conflicts with one that stays', () => {
    const pkgs = ordered(
      new Map<string, VfsInput[]>([
        ['a', [F('bin/tool', 'a', CONTENTS[0])]],
        ['b', [F('bin/tool', 'b', CONTENTS[1])]],
        ['c', [F('lib/x', 'c', CONTENTS[0])]],
        ['d', [F('lib/x/y', 'd', CONTENTS[0])]],
      ]),
    );
    expect(() => planTreeChange(input({ kept: ['a'], removed: [], added: ['b'], pkgs }))).toThrow(
      /\/usr\/bin\/tool is a file in a but a different file in b/,
    );
    // A file that comes where a kept package has files beneath: found without reading `c`'s
    // whole layout.
    expect(() => planTreeChange(input({ kept: ['d'], removed: [], added: ['c'], pkgs }))).toThrow(
      /VFS_CONFLICT|\/usr\/lib\/x/,
    );
  });

  it('rebuilds when a symlink that kept files are placed through changes', () => {
    const pkgs = ordered(
      new Map<string, VfsInput[]>([
        ['base', [L('lib64', 'lib', 'base')]],
        ['glibc', [F('lib64/libc.so.6', 'glibc', CONTENTS[0], 0o755)]],
        ['base2', [L('lib64', 'lib32', 'base2')]],
      ]),
    );
    const plan = planTreeChange(input({ kept: ['glibc'], removed: ['base'], added: ['base2'], pkgs }));
    expect(plan).toMatchObject({ kind: 'rebuild' });
    expect(plan.kind === 'rebuild' && plan.reason).toMatch(/lib64.*glibc.*lib64\/libc\.so\.6/);
  });

  it('brings dirty directories back to the layout: extra entries go, missing and altered ones return', async () => {
    assets();
    const pkgs = ordered(
      new Map<string, VfsInput[]>([
        [
          'glib',
          [
            F('share/schemas/a.xml', 'glib', CONTENTS[2]),
            F('share/schemas/b.xml', 'glib', CONTENTS[3]),
            L('share/schemas/link', 'a.xml', 'glib'),
          ],
        ],
        ['nano', [F('bin/nano', 'nano', CONTENTS[0], 0o755)]],
        ['vim', [F('bin/vim', 'vim', CONTENTS[1], 0o755)]],
      ]),
    );
    const c = { kept: ['glib'], removed: ['nano'], added: ['vim'], pkgs };
    const target = join(work, 'usr');
    await blit(fullBuild(pkgs, ['glib', 'nano']), target, { store, workers: 0 });
    // What a trigger (or a person) did after the tree was made.
    writeFileSync(join(target, 'share/schemas/gschemas.compiled'), 'cache');
    mkdirSync(join(target, 'share/schemas/generated/deep'), { recursive: true });
    unlinkSync(join(target, 'share/schemas/b.xml'));
    unlinkSync(join(target, 'share/schemas/a.xml'));
    writeFileSync(join(target, 'share/schemas/a.xml'), 'edited');
    chmodSync(join(target, 'share/schemas'), 0o700);
    const dirty = [{ path: 'share/schemas', names: readdirSync(join(target, 'share/schemas')) }];
    const plan = planTreeChange({ ...input(c), dirty });
    expect(plan.kind).toBe('change');
    mkdirSync(join(work, 'tmp'));
    const res = await applyTreeChange(target, plan as Exclude<typeof plan, { kind: 'rebuild' }>, {
      store,
      tempDir: join(work, 'tmp'),
    });
    expectMatches(fullBuild(pkgs, ['glib', 'vim']), target);
    expect(res.converged).toBe(4);
  });

  it('makes again a child of a dirty directory that the layout has and the disk lost, from far below it too', async () => {
    assets();
    // `share/doc/empty` is a directory a package ships with nothing in it; `share/icons` exists
    // only because a directory deeper down is shipped. Someone removed both from the old tree,
    // so `share` (and `/usr` itself, as always) are dirty.
    const pkgs = ordered(
      new Map<string, VfsInput[]>([
        ['docs', [D('share/doc/empty', 'docs', 0o700), D('share/icons/hicolor/scalable', 'docs')]],
        ['nano', [F('bin/nano', 'nano', CONTENTS[0], 0o755)]],
        ['vim', [F('bin/vim', 'vim', CONTENTS[1], 0o755)]],
      ]),
    );
    const c = { kept: ['docs'], removed: ['nano'], added: ['vim'], pkgs };
    const target = join(work, 'usr-lost');
    await blit(fullBuild(pkgs, ['docs', 'nano']), target, { store, workers: 0 });
    rmdirSync(join(target, 'share/doc/empty'));
    rmSync(join(target, 'share/icons/hicolor'), { recursive: true });
    const dirty = ['', 'share', 'share/doc', 'share/icons'].map((path) => ({
      path,
      names: readdirSync(join(target, path)),
    }));
    const plan = planTreeChange({ ...input(c), dirty });
    expect(plan.kind).toBe('change');
    mkdirSync(join(work, 'tmp'), { recursive: true });
    await applyTreeChange(target, plan as Exclude<typeof plan, { kind: 'rebuild' }>, {
      store,
      tempDir: join(work, 'tmp'),
    });
    // One level below each dirty directory is made again (with its mode); what lay further
    // below a removed child is for `moss state verify --repair`, as the converge is not
    // recursive: here `share/icons/hicolor/scalable`, whose parent was not dirty-listed.
    expect(lstatSync(join(target, 'share/doc/empty')).mode & 0o7777).toBe(0o700);
    expect(lstatSync(join(target, 'share/icons/hicolor')).isDirectory()).toBe(true);
    expect(lstatSync(join(target, 'bin/vim')).isFile()).toBe(true);
  });
});
