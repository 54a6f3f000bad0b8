import { type Dependency, formatDependency } from '@serpent/stone';
import { type Candidate, type InstalledPackage, installedCandidate, type Selection } from './candidate.js';
import { checkConflicts } from './check-conflicts.js';
import { expand, type Reached, throwMissing } from './expand.js';
import { orderPackages } from './order-packages.js';
import { parseRequest } from './parse-request.js';
import { ProviderIndex } from './provider-index.js';
import { ResolveError } from './resolve-error.js';

export interface InstallInput {
  /** Names or providers: `nano`, `binary(nano)`, `soname(libz.so.1(x86_64))`. */
  readonly request: readonly (Dependency | string)[];
  readonly installed: readonly InstalledPackage[];
  /** Local stones and repository packages; installed ones may be among them (same id). */
  readonly candidates: readonly Candidate[];
}

export interface InstallPlan {
  /** What to fetch and install, dependencies first. */
  readonly install: Candidate[];
  /** Installed packages that a newer (or other) release of the same name replaces. */
  readonly replace: { readonly from: InstalledPackage; readonly to: Candidate }[];
  /** Requested packages that were already installed. */
  readonly alreadyInstalled: InstalledPackage[];
  /** Of those, the ones that were installed as dependencies and are now explicit. */
  readonly promoted: InstalledPackage[];
  /** The complete selections of the new state: the new packages first, then the kept ones. */
  readonly selections: Selection[];
}

/**
 * Resolves an install request against the installed packages and the candidates.
 *
 * Each request takes an installed provider if there is one (installing what is installed never
 * upgrades it, as in moss), else the best candidate (local stones, then repository priority,
 * then newest release). Dependencies are pulled in transitively, each by the first of: an
 * installed provider, a provider already chosen in this transaction, the best candidate. A new
 * release of an installed package is chosen only when a dependency needs something only that
 * release provides; it then replaces the installed one, and any installed package that relied on
 * what the old one provided and the new one does not is reported (RESOLVE_BREAKS_INSTALLED).
 *
 * Throws ResolveError: RESOLVE_BAD_REQUEST, RESOLVE_NOT_FOUND (names every unknown request),
 * RESOLVE_MISSING_PROVIDER (with the chain from the request), RESOLVE_CONFLICT (both packages and
 * the provider), RESOLVE_BREAKS_INSTALLED.
 */
export function resolveInstall(input: InstallInput): InstallPlan {
  const request = parseRequest(input.request);
  const index = new ProviderIndex([...input.installed.map(installedCandidate), ...input.candidates]);
  const installedById = new Map(input.installed.map((p) => [p.id, p]));
  const installedByName = new Map(input.installed.map((p) => [p.meta.name, p]));
  // Names taken by a package this transaction adds: one release per name.
  const claims = new Map<string, string>();
  const replaced = new Set<string>();
  const claim = (c: Candidate): Candidate => {
    claims.set(c.meta.name, c.id);
    if (installedByName.has(c.meta.name)) replaced.add(c.meta.name);
    return c;
  };
  const claimable = (c: Candidate) =>
    c.source.kind !== 'installed' && (claims.get(c.meta.name) ?? c.id) === c.id;

  const notFound: string[] = [];
  const roots: { candidate: Candidate; origin: string }[] = [];
  const requestedInstalled = new Map<string, string>();
  const asked = new Map<string, string>();
  for (const dep of request) {
    const text = formatDependency(dep);
    const shown = dep.kind === 'name' ? dep.name : text;
    const providers = index.providers(dep);
    const installed = providers.find((c) => c.source.kind === 'installed');
    if (installed !== undefined) {
      if (!requestedInstalled.has(installed.id)) requestedInstalled.set(installed.id, shown);
      continue;
    }
    const chosen = providers.find(claimable);
    if (chosen === undefined) {
      notFound.push(text);
      continue;
    }
    if (!asked.has(chosen.id)) asked.set(chosen.id, shown);
    roots.push({ candidate: claim(chosen), origin: `request '${shown}'` });
  }
  if (notFound.length > 0) {
    throw new ResolveError(
      'RESOLVE_NOT_FOUND',
      `no package found for ${notFound.join(', ')} in the enabled repositories or the given stones`,
      { request: notFound },
    );
  }

  const { reached, missing } = expand(
    roots,
    (dep, seen) => {
      const providers = index.providers(dep);
      for (const c of providers) {
        if (c.source.kind !== 'installed') break; // installed ones sort first
        if (!replaced.has(c.meta.name)) return c;
      }
      for (const c of providers) if (seen.has(c.id)) return c;
      const best = providers.find(claimable);
      return best === undefined ? undefined : claim(best);
    },
    (c) => c.source.kind !== 'installed',
  );
  if (missing.length > 0) throwMissing(missing);

  const added = [...reached.values()].filter((r) => r.candidate.source.kind !== 'installed');
  const addedIds = new Set(added.map((r) => r.candidate.id));
  const result = new Map<string, Candidate>();
  for (const p of input.installed) if (!replaced.has(p.meta.name)) result.set(p.id, installedCandidate(p));
  for (const r of added) result.set(r.candidate.id, r.candidate);

  const replace = added
    .filter((r) => replaced.has(r.candidate.meta.name))
    .map((r) => ({ from: installedByName.get(r.candidate.meta.name)!, to: r.candidate }));
  if (replace.length > 0) checkNothingBreaks(result, index, replace);
  checkConflicts(result, index, (id) => addedIds.has(id));

  const install = orderPackages(
    added.map((r) => r.candidate),
    (c) => reached.get(c.id)!.deps,
  );
  const alreadyInstalled = [...requestedInstalled.keys()]
    .filter((id) => !replaced.has(installedById.get(id)!.meta.name))
    .map((id) => installedById.get(id)!);
  const promoted = alreadyInstalled.filter((p) => !p.explicit);

  const selections: Selection[] = install.map((c) =>
    newSelection(reached.get(c.id)!, asked.get(c.id), installedByName),
  );
  for (const p of input.installed) {
    if (replaced.has(p.meta.name)) continue;
    const askedAs = requestedInstalled.get(p.id);
    selections.push(
      askedAs !== undefined && !p.explicit
        ? { id: p.id, explicit: true, reason: `requested as ${askedAs}` }
        : selectionOf(p),
    );
  }
  return { install, replace, alreadyInstalled, promoted, selections };
}

function selectionOf(p: Selection): Selection {
  return p.reason === undefined
    ? { id: p.id, explicit: p.explicit }
    : { id: p.id, explicit: p.explicit, reason: p.reason };
}

/** Explicit for a request; a replacement keeps the flag and reason of what it replaces. */
function newSelection(
  r: Reached,
  asked: string | undefined,
  installedByName: ReadonlyMap<string, InstalledPackage>,
): Selection {
  const id = r.candidate.id;
  if (asked !== undefined) return { id, explicit: true, reason: `requested as ${asked}` };
  const previous = installedByName.get(r.candidate.meta.name);
  if (previous?.explicit) return { ...selectionOf(previous), id };
  return {
    id,
    explicit: false,
    reason: `required by ${r.parent!.candidate.meta.name} (${formatDependency(r.via!)})`,
  };
}

/**
 * After a replacement, every package of the result must still find each dependency that the
 * replaced release used to satisfy.
 */
function checkNothingBreaks(
  result: ReadonlyMap<string, Candidate>,
  index: ProviderIndex,
  replace: readonly { from: InstalledPackage; to: Candidate }[],
): void {
  const replacedIds = new Map(replace.map((r) => [r.from.id, r]));
  const broken: { package: string; provider: string; replaced: string }[] = [];
  for (const p of result.values()) {
    for (const dep of p.meta.depends) {
      const providers = index.providers(dep);
      const old = providers.find((c) => replacedIds.has(c.id));
      if (old === undefined || providers.some((c) => result.has(c.id))) continue;
      broken.push({ package: p.meta.name, provider: formatDependency(dep), replaced: old.meta.name });
    }
  }
  if (broken.length === 0) return;
  const b = broken[0]!;
  const r = replace.find((x) => x.from.meta.name === b.replaced)!;
  throw new ResolveError(
    'RESOLVE_BREAKS_INSTALLED',
    `the install replaces ${b.replaced} ${release(r.from)} with ${release(r.to)}, which no longer provides ${b.provider}, needed by ${b.package}${broken.length > 1 ? ` (and ${broken.length - 1} more)` : ''}`,
    { broken },
  );
}

const release = (c: { meta: { version: string; release: number; buildRelease: number } }) =>
  `${c.meta.version}-${c.meta.release}-${c.meta.buildRelease}`;
