import { createHash } from 'node:crypto';
import type { LayoutEntry } from '@serpent/stone';
import { expect } from 'vitest';
import { buildTree, type VfsInput, type VfsTree } from '../src/index.js';

const common = { uid: 0, gid: 0, tag: 0 };

/** A regular file; the hash defaults to one derived from the path (distinct per path). */
export function F(target: string, pkg = 'p', hash?: string, mode = 0o644): VfsInput {
  const h = hash ?? createHash('md5').update(target).digest('hex');
  const entry: LayoutEntry = { ...common, mode: 0o100000 | mode, target, type: 'regular', hash: h };
  return { pkg, entry };
}

export function D(target: string, pkg = 'p', mode = 0o755): VfsInput {
  return { pkg, entry: { ...common, mode: 0o40000 | mode, target, type: 'directory' } };
}

export function L(target: string, source: string, pkg = 'p'): VfsInput {
  return { pkg, entry: { ...common, mode: 0o120777, target, type: 'symlink', source } };
}

/** Tree paths in walk order, as the libs.md vectors list them (relative to /usr). */
export function paths(tree: VfsTree): string[] {
  return [...tree.walk()].map((n) => n.path);
}

/**
 * buildTree of `inputs`, checked against the streaming way of feeding it (every directory and
 * symlink first, then the files, `filesLast`): both must give the same tree, or the same error.
 */
export function build(...inputs: VfsInput[]): VfsTree {
  const structureFirst = [
    ...inputs.filter((i) => i.entry.type !== 'regular'),
    ...inputs.filter((i) => i.entry.type === 'regular'),
  ];
  let streamed: VfsTree | Error;
  try {
    streamed = buildTree(structureFirst.values(), { filesLast: true });
  } catch (err) {
    streamed = err as Error;
  }
  let tree: VfsTree;
  try {
    tree = buildTree(inputs);
  } catch (err) {
    expect(streamed, 'the filesLast build throws the same error').toBeInstanceOf(Error);
    expect((streamed as Error).message).toBe((err as Error).message);
    throw err;
  }
  expect(streamed, 'the filesLast build succeeds too').not.toBeInstanceOf(Error);
  expect(dump(streamed as VfsTree)).toEqual(dump(tree));
  return tree;
}

function dump(t: VfsTree): unknown {
  return {
    nodes: [...t.walk()].map((n) => ({ ...n, children: undefined })),
    redirects: t.redirects,
    counts: t.counts,
  };
}

/** Runs `f` and returns the error it throws (fails the test when it does not throw). */
export function thrown(f: () => unknown): Error & { code?: string; details?: Record<string, unknown> } {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}
