import type { Trigger } from './trigger.js';
import { TriggersError } from './triggers-error.js';

/** A cycle among `remaining` (each has an unmet predecessor), as names in edge order. */
function findCycle(remaining: Set<string>, preds: Map<string, Set<string>>): string[] {
  // Walk predecessors from any remaining node: every remaining node has one, so the walk must
  // revisit a node, and the part from its first visit is a cycle.
  const start = [...remaining].sort()[0]!;
  const path: string[] = [];
  const at = new Map<string, number>();
  let n = start;
  while (!at.has(n)) {
    at.set(n, path.length);
    path.push(n);
    n = [...preds.get(n)!].filter((p) => remaining.has(p)).sort()[0]!;
  }
  const cycle = path.slice(at.get(n)).reverse();
  // Start at the alphabetically first name, so the message is the same however it was found.
  const first = cycle.indexOf([...cycle].sort()[0]!);
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

/**
 * Orders triggers so every `before`/`after` holds; references to triggers not in the list are
 * ignored. Independent triggers come in name order (Kahn's algorithm, always taking the
 * alphabetically first ready trigger), so the order depends only on the names and the edges.
 * Upstream emitted them in reverse alphabetical order as a side effect of its stack-based sort
 * and silently dropped an edge that closed a cycle; here a cycle is `TRIGGERS_CYCLE`, naming it.
 * Names must be unique (the loader guarantees it per scope).
 */
export function orderTriggers<T extends Pick<Trigger, 'name' | 'before' | 'after'>>(
  triggers: readonly T[],
): T[] {
  const byName = new Map(triggers.map((t) => [t.name, t]));
  const succs = new Map<string, Set<string>>();
  const preds = new Map<string, Set<string>>();
  for (const name of byName.keys()) {
    succs.set(name, new Set());
    preds.set(name, new Set());
  }
  const edge = (from: string, to: string) => {
    if (!byName.has(from) || !byName.has(to)) return;
    succs.get(from)!.add(to);
    preds.get(to)!.add(from);
  };
  for (const t of triggers) {
    for (const b of t.before) edge(t.name, b);
    for (const a of t.after) edge(a, t.name);
  }
  const waiting = new Map([...preds].map(([n, p]) => [n, p.size]));
  const ready = [...byName.keys()].filter((n) => waiting.get(n) === 0).sort();
  const out: T[] = [];
  while (ready.length > 0) {
    const n = ready.shift()!;
    out.push(byName.get(n)!);
    for (const s of succs.get(n)!) {
      const left = waiting.get(s)! - 1;
      waiting.set(s, left);
      if (left === 0) {
        // Keep `ready` sorted; trigger counts are in the tens, so a linear insert is plenty.
        const at = ready.findIndex((r) => r > s);
        ready.splice(at === -1 ? ready.length : at, 0, s);
      }
    }
  }
  if (out.length < byName.size) {
    const remaining = new Set([...byName.keys()].filter((n) => waiting.get(n)! > 0));
    const cycle = findCycle(remaining, preds);
    throw new TriggersError(
      'TRIGGERS_CYCLE',
      `triggers ordered in a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
      { triggers: cycle, files: cycle.map((n) => (byName.get(n) as Partial<Trigger>).file) },
    );
  }
  return out;
}
