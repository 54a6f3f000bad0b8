import { type Dependency, formatDependency } from '@serpent/stone';
import type { Candidate } from './candidate.js';
import { ResolveError } from './resolve-error.js';

/** One package reached by the expansion, with the first (shortest) way it was reached. */
export interface Reached {
  readonly candidate: Candidate;
  /** The package whose dependency pulled this one in; none for a root. */
  readonly parent?: Reached;
  /** That dependency. */
  readonly via?: Dependency;
  /** For a root: why it is there ("request 'hello'", "explicitly installed hello"). */
  readonly origin?: string;
  /** Ids of the chosen providers of this package's dependencies, in dependency order. */
  readonly deps: string[];
}

export interface MissingProvider {
  readonly dependency: Dependency;
  readonly neededBy: Reached;
}

/**
 * Chooses the provider of `dep`, or undefined when there is none. It sees what has
 * been reached so far, so it can prefer a package already chosen over pulling in another one.
 */
export type ChooseProvider = (
  dep: Dependency,
  reached: ReadonlyMap<string, Reached>,
) => Candidate | undefined;

/**
 * Breadth-first expansion from the roots: each dependency of each reached package gets one
 * provider from `choose`; new providers are reached in turn when `traverse` says so (install
 * does not walk into packages that are already installed). Breadth-first, so the recorded way
 * to each package is a shortest chain of dependencies, the one an error should show.
 * Every missing provider is collected, not just the first.
 */
export function expand(
  roots: readonly { candidate: Candidate; origin: string }[],
  choose: ChooseProvider,
  traverse: (c: Candidate) => boolean = () => true,
): { reached: Map<string, Reached>; missing: MissingProvider[] } {
  const reached = new Map<string, Reached>();
  const missing: MissingProvider[] = [];
  const queue: Reached[] = [];
  for (const { candidate, origin } of roots) {
    if (reached.has(candidate.id)) continue;
    const node: Reached = { candidate, origin, deps: [] };
    reached.set(candidate.id, node);
    queue.push(node);
  }
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    if (!traverse(node.candidate)) continue;
    for (const dep of node.candidate.meta.depends) {
      const chosen = choose(dep, reached);
      if (chosen === undefined) {
        missing.push({ dependency: dep, neededBy: node });
        continue;
      }
      if (chosen.id === node.candidate.id) continue;
      node.deps.push(chosen.id);
      if (reached.has(chosen.id)) continue;
      const child: Reached = { candidate: chosen, parent: node, via: dep, deps: [] };
      reached.set(chosen.id, child);
      queue.push(child);
    }
  }
  return { reached, missing };
}

/** `request 'app' → app → soname(liba.so.1) → liba`: how a package came to be needed. */
export function chainOf(node: Reached): string[] {
  const steps: string[] = [];
  for (let n: Reached | undefined = node; n !== undefined; n = n.parent) {
    steps.push(n.candidate.meta.name);
    if (n.via !== undefined) steps.push(formatDependency(n.via));
    else if (n.origin !== undefined) steps.push(n.origin);
  }
  return steps.reverse();
}

/** Throws RESOLVE_MISSING_PROVIDER naming every missing provider and the chain that needs it. */
export function throwMissing(missing: readonly MissingProvider[]): never {
  const described = missing.map((m) => {
    const provider = formatDependency(m.dependency);
    return {
      provider,
      neededBy: m.neededBy.candidate.meta.name,
      chain: [...chainOf(m.neededBy), provider],
    };
  });
  const first = described[0]!;
  const more =
    described.length > 1
      ? ` (and ${described.length - 1} more missing: ${described
          .slice(1, 6)
          .map((d) => `${d.provider} for ${d.neededBy}`)
          .join(', ')}${described.length > 6 ? ', ...' : ''})`
      : '';
  throw new ResolveError(
    'RESOLVE_MISSING_PROVIDER',
    `${first.neededBy} needs ${first.provider}, which no package provides: ${first.chain.join(' → ')}${more}`,
    { missing: described },
  );
}
