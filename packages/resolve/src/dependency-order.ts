/**
 * Orders nodes dependencies first. `deps[i]` lists the nodes node i depends on; `rank[i]` is
 * node i's place in a total order (callers use package name, then id), the tie-break.
 *
 * Packages may depend on each other in a cycle (glibc and its locale data, mesa and its
 * drivers), so strongly connected components (Tarjan) are ordered as units: Kahn's algorithm
 * over the component graph, always taking the ready component with the lowest rank; the members
 * of one component come out by rank. The result therefore depends only on the graph and the
 * ranks, never on input order. moss instead drops the edge that closes a cycle, whichever
 * happened to be added last, and then re-sorts its result by name, so its order carries no
 * information (moss.md §6.3).
 */
export function dependencyOrder(deps: readonly (readonly number[])[], rank: ArrayLike<number>): number[] {
  const n = deps.length;
  const comp = stronglyConnected(deps);
  let count = 0;
  for (let i = 0; i < n; i++) count = Math.max(count, comp[i]! + 1);

  const members: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < n; i++) members[comp[i]!]!.push(i);
  const key = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  for (let c = 0; c < count; c++) {
    members[c]!.sort((a, b) => rank[a]! - rank[b]!);
    key[c] = rank[members[c]![0]!]!;
  }

  const pending = new Int32Array(count);
  const dependents: number[][] = Array.from({ length: count }, () => []);
  for (let u = 0; u < n; u++) {
    for (const v of deps[u]!) {
      const cu = comp[u]!;
      const cv = comp[v]!;
      if (cu === cv) continue;
      pending[cu]!++;
      dependents[cv]!.push(cu);
    }
  }

  const heap = new MinHeap(key);
  for (let c = 0; c < count; c++) if (pending[c] === 0) heap.push(c);
  const out: number[] = [];
  while (heap.size > 0) {
    const c = heap.pop();
    for (const m of members[c]!) out.push(m);
    for (const d of dependents[c]!) if (--pending[d]! === 0) heap.push(d);
  }
  return out;
}

/** Tarjan's algorithm without recursion (a 1,609-deep dependency chain must not overflow the stack). */
function stronglyConnected(deps: readonly (readonly number[])[]): Int32Array {
  const n = deps.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const callNode: number[] = [];
  const callEdge: number[] = [];
  let next = 0;
  let components = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    callNode.push(s);
    callEdge.push(0);
    index[s] = low[s] = next++;
    stack.push(s);
    onStack[s] = 1;
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const v = callNode[top]!;
      const edges = deps[v]!;
      const e = callEdge[top]!;
      if (e < edges.length) {
        callEdge[top] = e + 1;
        const w = edges[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          callNode.push(w);
          callEdge.push(0);
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      callNode.pop();
      callEdge.pop();
      if (callNode.length > 0) {
        const parent = callNode[callNode.length - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }
  return comp;
}

class MinHeap {
  readonly #items: number[] = [];
  constructor(readonly key: Float64Array) {}
  get size(): number {
    return this.#items.length;
  }
  push(x: number): void {
    const a = this.#items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key[a[p]!]! <= this.key[x]!) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.#items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && this.key[a[r]!]! < this.key[a[l]!]! ? r : l;
        if (this.key[a[c]!]! >= this.key[last]!) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
