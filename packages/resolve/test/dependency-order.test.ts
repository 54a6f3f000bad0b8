import { describe, expect, it } from 'vitest';
import { dependencyOrder } from '../src/index.js';

const byName = (names: string[], edges: Record<string, string[]>) => {
  const idx = new Map(names.map((n, i) => [n, i]));
  const deps = names.map((n) => (edges[n] ?? []).map((d) => idx.get(d)!));
  const rank = names.map((_, i) => i);
  return dependencyOrder(deps, rank).map((i) => names[i]);
};

describe('dependencyOrder', () => {
  it('puts dependencies first and breaks ties by rank', () => {
    // Diamond x→y, x→z, y→w, z→w: w first, then y before z by rank.
    expect(byName(['w', 'x', 'y', 'z'], { x: ['y', 'z'], y: ['w'], z: ['w'] })).toEqual(['w', 'y', 'z', 'x']);
    expect(byName(['a', 'b', 'c', 'd'], {})).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps the members of a cycle together, by rank, after what the cycle needs', () => {
    expect(byName(['a', 'b', 'c', 'd'], { a: ['b'], b: ['c'], c: ['a', 'd'] })).toEqual(['d', 'a', 'b', 'c']);
    // A self-loop is a cycle of one.
    expect(byName(['a', 'b'], { a: ['a', 'b'] })).toEqual(['b', 'a']);
  });

  it('orders the cycle as a unit against its dependents', () => {
    expect(
      byName(['app', 'glibc', 'locales'], { app: ['glibc'], glibc: ['locales'], locales: ['glibc'] }),
    ).toEqual(['glibc', 'locales', 'app']);
  });

  it('handles a 200,000-deep chain without recursion', () => {
    const n = 200_000;
    const deps = Array.from({ length: n }, (_, i) => (i + 1 < n ? [i + 1] : []));
    const order = dependencyOrder(
      deps,
      deps.map((_, i) => i),
    );
    expect(order[0]).toBe(n - 1);
    expect(order[n - 1]).toBe(0);
    // And one 200,000-long cycle.
    deps[n - 1] = [0];
    expect(
      dependencyOrder(
        deps,
        deps.map((_, i) => i),
      ).slice(0, 3),
    ).toEqual([0, 1, 2]);
  });
});
