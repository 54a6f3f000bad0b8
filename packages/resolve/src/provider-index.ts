import { compareUtf8, type Dependency, formatDependency } from '@serpent/stone';
import type { Candidate, CandidateSource } from './candidate.js';

const sourceRank = (s: CandidateSource): number => (s.kind === 'installed' ? 0 : s.kind === 'local' ? 1 : 2);

/**
 * The preference order, best first: installed, then local stones, then repositories by priority
 * (higher first; equal priorities by repository name, as moss's BTreeMap of repos), then the
 * newest release (source release, then build release), then package id as UTF-8 bytes so the
 * order is total and stable. Unlike moss's dependency lookup, which orders same-repo providers by
 * id (SHA-256 hex, i.e. arbitrarily), releases decide here for dependencies too.
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  const rank = sourceRank(a.source) - sourceRank(b.source);
  if (rank !== 0) return rank;
  if (a.source.kind === 'repository' && b.source.kind === 'repository') {
    if (a.source.priority !== b.source.priority) return b.source.priority - a.source.priority;
    const repo = compareUtf8(a.source.name, b.source.name);
    if (repo !== 0) return repo;
  }
  if (a.meta.release !== b.meta.release) return b.meta.release - a.meta.release;
  if (a.meta.buildRelease !== b.meta.buildRelease) return b.meta.buildRelease - a.meta.buildRelease;
  return compareUtf8(a.id, b.id);
}

/** `kind(name)`: the key of the provider index; a string is taken as already in that form. */
export function providerKey(dep: Dependency | string): string {
  return typeof dep === 'string' ? dep : formatDependency(dep);
}

/** Every provider key of a candidate, its implicit `name(<name>)` first. */
export function providerKeys(c: Candidate): string[] {
  const keys = new Set<string>([`name(${c.meta.name})`]);
  for (const p of c.meta.provides) keys.add(formatDependency(p));
  return [...keys];
}

const NONE: readonly Candidate[] = Object.freeze([]);

/**
 * Every candidate by provider, built once per resolution: a Map from `kind(name)` to its
 * providers in preference order. Lookups are O(1), so resolving the whole 1,609-package graph
 * costs one pass over its 9,557 providers instead of a scan per dependency (moss's linear
 * `get_index` makes its transaction build O(n²)).
 * When the same id comes twice (an installed package still offered by its repository), the
 * first one given is kept, so pass the installed packages first.
 */
export class ProviderIndex {
  readonly #byProvider = new Map<string, Candidate[]>();
  readonly #byId = new Map<string, Candidate>();
  // Dependencies are looked up again and again through the same objects (each package's
  // `depends`); remembering the answer per object skips building and hashing the `kind(name)`
  // string, which with the index build was the largest self time in a CPU profile of
  // install + sync + remove on the 1,609-package synthetic graph.
  readonly #memo = new WeakMap<Dependency, readonly Candidate[]>();

  constructor(candidates: Iterable<Candidate>) {
    for (const c of candidates) {
      if (this.#byId.has(c.id)) continue;
      this.#byId.set(c.id, c);
      for (const key of providerKeys(c)) {
        const list = this.#byProvider.get(key);
        if (list === undefined) this.#byProvider.set(key, [c]);
        else list.push(c);
      }
    }
    for (const list of this.#byProvider.values()) if (list.length > 1) list.sort(compareCandidates);
  }

  /** The providers of `dep`, best first. */
  providers(dep: Dependency | string): readonly Candidate[] {
    if (typeof dep === 'string') return this.#byProvider.get(dep) ?? NONE;
    let found = this.#memo.get(dep);
    if (found === undefined) {
      found = this.#byProvider.get(formatDependency(dep)) ?? NONE;
      this.#memo.set(dep, found);
    }
    return found;
  }

  byId(id: string): Candidate | undefined {
    return this.#byId.get(id);
  }

  /** Every candidate, in the order given. */
  candidates(): IterableIterator<Candidate> {
    return this.#byId.values();
  }

  get size(): number {
    return this.#byId.size;
  }

  get providerCount(): number {
    return this.#byProvider.size;
  }
}
