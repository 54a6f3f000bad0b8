// The blit on real temporary directories: every entry compared with the tree (type, mode,
// link text, inode of the store asset), modes under a hostile umask, empty files past the
// hard-link limit, mode mismatches that must not touch the shared asset, and failures.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlitProgress,
  blit,
  buildTree,
  EMPTY_FILE_HASH,
  mossAssetPath,
  type VfsTree,
} from '../src/index.js';
import { D, F, L } from './helpers.js';

let work: string;
let store: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'vfs-blit-'));
  store = join(work, 'store');
  mkdirSync(store);
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Puts an asset into the moss-layout store with `mode`; returns its hash. */
function asset(content: string, mode = 0o644, hash?: string): string {
  const h = hash ?? Buffer.from(content.padEnd(16, '.')).toString('hex').slice(0, 32);
  const p = mossAssetPath(store, h);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
  return h;
}

/** Every entry under `dir`, relative, in any order. */
function listAll(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    out.push(r);
    if (lstatSync(join(dir, r)).isDirectory()) for (const c of listAll(dir, r)) out.push(c);
  }
  return out;
}

/** Compares the blitted directory with the tree, entry by entry. */
function expectMatches(tree: VfsTree, target: string, storeDir: string): void {
  expect(listAll(target).sort()).toEqual([...tree.walk()].map((n) => n.path).sort());
  expect(lstatSync(target).mode & 0o7777).toBe(tree.root.mode);
  for (const n of tree.walk()) {
    const p = join(target, n.path);
    const st = lstatSync(p);
    if (n.kind === 'directory') {
      expect(st.isDirectory(), n.path).toBe(true);
      expect(st.mode & 0o7777, n.path).toBe(n.mode);
    } else if (n.kind === 'symlink') {
      expect(st.isSymbolicLink(), n.path).toBe(true);
      expect(readlinkSync(p)).toBe(n.target);
    } else {
      expect(st.isFile(), n.path).toBe(true);
      expect(st.mode & 0o7777, n.path).toBe(n.mode);
      if (n.hash === EMPTY_FILE_HASH) expect(st.size).toBe(0);
      else expect(st.ino, n.path).toBe(statSync(mossAssetPath(storeDir, n.hash)).ino);
    }
  }
}

function sample(): VfsTree {
  const bash = asset('#!bash', 0o755);
  const libc = asset('ELF libc', 0o755);
  const doc = asset('docs', 0o644);
  const suid = asset('su', 0o4755);
  return buildTree([
    D('bin', 'base'),
    F('bin/bash', 'bash', bash, 0o755),
    L('bin/sh', 'bash', 'bash'),
    F('bin/su', 'shadow', suid, 0o4755),
    L('lib64', 'lib', 'base'),
    F('lib/libc.so.6', 'glibc', libc, 0o755),
    L('lib64/libc.so', 'libc.so.6', 'glibc'),
    F('lib64/pkgconfig/empty.pc', 'glibc', EMPTY_FILE_HASH, 0o644),
    D('share/secret', 'p', 0o700),
    D('share/tmp', 'p', 0o1777),
    F('share/doc/bash/README', 'bash', doc, 0o644),
    F('share/doc/empty-exec', 'bash', EMPTY_FILE_HASH, 0o755),
    L('share/zoneinfo/localtime', '/etc/localtime', 'tz'),
    D('share/empty', 'p'),
  ]);
}

describe('blit', () => {
  it.each([0, 2])('writes the tree exactly (workers: %i)', async (workers) => {
    const tree = sample();
    const target = join(work, 'usr');
    const seen: BlitProgress[] = [];
    const res = await blit(tree, target, { store, workers, onProgress: (p) => seen.push(p) });
    expectMatches(tree, target, store);
    expect(res).toMatchObject({ directories: 10, links: 4, symlinks: 4, emptyFiles: 2, copies: 0 });
    expect(seen.at(-1)).toEqual({ done: tree.size, total: tree.size });
    // The redirect really happened on disk: lib64 is a link, its files are in lib.
    expect(readlinkSync(join(target, 'lib64'))).toBe('lib');
    expect(readFileSync(join(target, 'lib64/libc.so'), 'utf8')).toBe('ELF libc');
  });

  it('sets modes exactly under a restrictive umask', async () => {
    const tree = sample();
    const old = process.umask(0o077);
    try {
      await blit(tree, join(work, 'usr'), { store, workers: 0 });
      await blit(tree, join(work, 'usr2'), { store, workers: 2 });
    } finally {
      process.umask(old);
    }
    expectMatches(tree, join(work, 'usr'), store);
    expectMatches(tree, join(work, 'usr2'), store);
  });

  it('accepts an empty existing target and an AssetSource', async () => {
    const target = join(work, 'usr');
    mkdirSync(target);
    const h = asset('x', 0o644);
    const tree = buildTree([F('a/b', 'p', h)]);
    const calls: string[] = [];
    const res = await blit(tree, target, {
      store: {
        assetPath: (hash) => {
          calls.push(hash);
          return mossAssetPath(store, hash);
        },
        assetMode: () => 0o644,
      },
    });
    expect(calls).toEqual([h]);
    expect(res.links).toBe(1);
    expectMatches(tree, target, store);
  });

  it('makes 70,000 empty files in one package without hitting the hard-link limit', async () => {
    const inputs = Array.from({ length: 70_000 }, (_, i) =>
      F(`share/many/d${i % 70}/f${i}`, 'many', EMPTY_FILE_HASH, i % 2 === 0 ? 0o644 : 0o600),
    );
    const tree = buildTree(inputs);
    const target = join(work, 'usr');
    const res = await blit(tree, target, { store });
    expect(res.emptyFiles).toBe(70_000);
    const inodes = new Map<number, number>();
    for (const n of tree.walk()) {
      if (n.kind !== 'regular') continue;
      const st = lstatSync(join(target, n.path));
      expect([st.size, st.mode & 0o7777]).toEqual([0, n.mode]);
      inodes.set(st.ino, st.nlink);
    }
    // A few shared empty inodes, none past ext4's 65,000-link limit (moss issue #372).
    expect(inodes.size).toBeGreaterThanOrEqual(2);
    expect(inodes.size).toBeLessThan(10);
    for (const nlink of inodes.values()) expect(nlink).toBeLessThanOrEqual(65_000);
    expect(listAll(target).length).toBe(tree.size);
  });

  it.each([0, 2])(
    'copies a file whose layout mode differs from the shared asset, which keeps its mode (workers: %i)',
    async (workers) => {
      const h = asset('#!/bin/sh\n', 0o644);
      const assetPath = mossAssetPath(store, h);
      const before = statSync(assetPath);
      const tree = buildTree([F('share/x.sh', 'A', h, 0o644), F('bin/x', 'B', h, 0o755)]);
      const target = join(work, 'usr');
      const res = await blit(tree, target, { store, workers });
      expect(res).toMatchObject({ links: 1, copies: 1 });
      const after = statSync(assetPath);
      expect(after.mode).toBe(before.mode);
      expect(after.mode & 0o7777).toBe(0o644);
      expect(statSync(join(target, 'share/x.sh')).ino).toBe(after.ino);
      const copy = statSync(join(target, 'bin/x'));
      expect(copy.ino).not.toBe(after.ino);
      expect(copy.mode & 0o7777).toBe(0o755);
      expect(readFileSync(join(target, 'bin/x'), 'utf8')).toBe('#!/bin/sh\n');
    },
  );

  it('copies when the store reports a different mode, without a stat', async () => {
    const h = asset('data', 0o644);
    const tree = buildTree([F('bin/x', 'B', h, 0o755)]);
    const res = await blit(tree, join(work, 'usr'), {
      store: { assetPath: (x) => mossAssetPath(store, x), assetMode: () => 0o644 },
    });
    expect(res.copies).toBe(1);
    expect(statSync(mossAssetPath(store, h)).mode & 0o7777).toBe(0o644);
  });

  it.each([0, 2])('reports a missing asset with a typed error (workers: %i)', async (workers) => {
    const tree = buildTree([F('bin/ghost', 'p', 'deadbeef'.repeat(4))]);
    await expect(blit(tree, join(work, 'usr'), { store, workers })).rejects.toMatchObject({
      code: 'VFS_MISSING_ASSET',
      details: { path: join(work, 'usr', 'bin/ghost'), asset: mossAssetPath(store, 'deadbeef'.repeat(4)) },
    });
  });

  it('refuses a non-empty target, a file, and a symlink in place of the target', async () => {
    const tree = buildTree([D('bin')]);
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    await expect(blit(tree, full, { store })).rejects.toMatchObject({ code: 'VFS_TARGET_NOT_EMPTY' });
    writeFileSync(join(work, 'file'), '');
    await expect(blit(tree, join(work, 'file'), { store })).rejects.toMatchObject({
      code: 'VFS_TARGET_NOT_EMPTY',
    });
    const outside = join(work, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(work, 'link'));
    await expect(blit(tree, join(work, 'link'), { store })).rejects.toMatchObject({
      code: 'VFS_TARGET_NOT_EMPTY',
    });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('never writes through a symlink out of the target', async () => {
    // The only way to put entries beneath a symlink is through the tree, which resolves
    // them (inside /usr) or refuses them (outside). Here a link to outside is a leaf.
    const outside = join(work, 'outside');
    mkdirSync(outside);
    const tree = buildTree([L('lib/evil', outside, 'evil'), F('lib/ok', 'p', asset('ok'))]);
    await blit(tree, join(work, 'usr'), { store });
    expect(readdirSync(outside)).toEqual([]);
    expect(() => buildTree([L('lib/evil', outside, 'evil'), F('lib/evil/x', 'evil')])).toThrow(
      /outside \/usr/,
    );
  });

  it('an empty tree leaves an empty target directory', async () => {
    const target = join(work, 'usr');
    const res = await blit(buildTree([]), target, { store });
    expect(readdirSync(target)).toEqual([]);
    expect(res).toMatchObject({ directories: 0, links: 0, symlinks: 0 });
  });

  it('blits a tree big enough for the default worker split, identical to the input', async () => {
    const inputs = [];
    for (let d = 0; d < 50; d++) {
      inputs.push(D(`share/pkg${d}`, `pkg${d}`, d % 3 === 0 ? 0o750 : 0o755));
      for (let f = 0; f < 450; f++) {
        const h = asset(
          `c${d}-${f}`,
          f % 5 === 0 ? 0o755 : 0o644,
          `a${(d * 1000 + f).toString(16).padStart(11, '0')}${'0'.repeat(20)}`,
        );
        inputs.push(F(`share/pkg${d}/sub${f % 7}/f${f}`, `pkg${d}`, h, f % 5 === 0 ? 0o755 : 0o644));
      }
      inputs.push(L(`bin/tool${d}`, `../share/pkg${d}/sub0/f0`, `pkg${d}`));
    }
    const tree = buildTree(inputs);
    expect(tree.size).toBeGreaterThan(20_000);
    const target = join(work, 'usr');
    const res = await blit(tree, target, { store });
    expect(res.links).toBe(50 * 450);
    expectMatches(tree, target, store);
  });
});
