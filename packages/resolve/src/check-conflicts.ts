import { formatDependency } from '@serpent/stone';
import type { Candidate } from './candidate.js';
import type { ProviderIndex } from './provider-index.js';
import { ResolveError } from './resolve-error.js';

/**
 * Enforces declared conflicts over the resulting package set: a package that declares
 * `conflicts: [X]` cannot be selected together with another package providing X. moss stores
 * conflicts but never looks at them (PR #248). Only pairs involving a package this transaction
 * adds are reported: a clash already installed is not the request's fault and must not block it.
 */
export function checkConflicts(
  result: ReadonlyMap<string, Candidate>,
  index: ProviderIndex,
  isNew: (id: string) => boolean,
): void {
  const found: {
    package: string;
    conflictsWith: string;
    provider: string;
    packageId: string;
    otherId: string;
  }[] = [];
  for (const p of result.values()) {
    for (const conflict of p.meta.conflicts) {
      for (const q of index.providers(conflict)) {
        if (q.meta.name === p.meta.name || !result.has(q.id)) continue;
        if (!isNew(p.id) && !isNew(q.id)) continue;
        found.push({
          package: p.meta.name,
          conflictsWith: q.meta.name,
          provider: formatDependency(conflict),
          packageId: p.id,
          otherId: q.id,
        });
      }
    }
  }
  if (found.length === 0) return;
  const f = found[0]!;
  const more = found.length > 1 ? ` (and ${found.length - 1} more conflicts)` : '';
  throw new ResolveError(
    'RESOLVE_CONFLICT',
    `${f.package} conflicts with ${f.conflictsWith}: ${f.package} declares a conflict with ${f.provider}, which ${f.conflictsWith} provides${more}`,
    { conflicts: found },
  );
}
