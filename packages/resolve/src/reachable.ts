import type { Candidate } from './candidate.js';
import type { ProviderIndex } from './provider-index.js';

/**
 * Ids of every package reachable from `roots` through any non-excluded provider of each
 * dependency. Taking every provider, not one, errs on the side of keeping: a package that is one
 * of two providers of something needed is never counted as an orphan.
 */
export function reachable(
  roots: Iterable<Candidate>,
  index: ProviderIndex,
  excluded: { has(id: string): boolean },
): Set<string> {
  const seen = new Set<string>();
  const queue: Candidate[] = [];
  for (const r of roots) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    queue.push(r);
  }
  for (let head = 0; head < queue.length; head++) {
    for (const dep of queue[head]!.meta.depends) {
      for (const c of index.providers(dep)) {
        if (seen.has(c.id) || excluded.has(c.id)) continue;
        seen.add(c.id);
        queue.push(c);
      }
    }
  }
  return seen;
}
