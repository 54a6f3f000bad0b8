import {
  type Candidate,
  type InstalledPackage,
  orderPackages,
  ProviderIndex,
  type ResolveMeta,
  type Selection,
} from '@serpent/resolve';
import { compareUtf8, formatDependency } from '@serpent/stone';
import type { Lock, LockedPackage } from './lock.js';
import { StateExportError } from './state-export-error.js';

const label = (p: { name: string; version: string; release: number }) =>
  `${p.name} ${p.version}-${p.release}`;

/** Where each locked package can come from, best first. */
export interface LockSources {
  /** Already in this root's store and databases (installed now, or earlier): nothing to fetch. */
  readonly stored: readonly LockedPackage[];
  /** In the download cache as a verified file: read from there. */
  readonly cached: readonly LockedPackage[];
  /** Offered by a repository index now (the candidate, with its download URL). */
  readonly repository: readonly { readonly locked: LockedPackage; readonly candidate: Candidate }[];
  /** In no index any more, but the lock says where it was: `url` (its repository's URI joined with its uri). */
  readonly lockUrl: readonly { readonly locked: LockedPackage; readonly url: string }[];
  /** Nowhere: not stored, not cached, in no index, and the lock has no URL for it. */
  readonly missing: readonly LockedPackage[];
}

/**
 * Sorts the packages of a lock by where they can come from, without any I/O: the caller says
 * which hashes its store holds (`stored`), which its download cache holds (`cached`), and what
 * the repositories offer (`candidates`, ids being package hashes). A package only the lock's
 * URL can still give is fetched by the caller and then offered as a local candidate to
 * `resolveLock`; its SHA-256 is checked against the lock's hash like any download.
 */
export function lockSources(
  lock: Lock,
  have: {
    readonly stored: ReadonlySet<string>;
    readonly cached: ReadonlySet<string>;
    readonly candidates: readonly Candidate[];
  },
): LockSources {
  const offered = new Map<string, Candidate>();
  for (const c of have.candidates) if (!offered.has(c.id)) offered.set(c.id, c);
  const repoUri = new Map(lock.repositories.map((r) => [r.name, r.uri]));
  const out = {
    stored: [] as LockedPackage[],
    cached: [] as LockedPackage[],
    repository: [] as { locked: LockedPackage; candidate: Candidate }[],
    lockUrl: [] as { locked: LockedPackage; url: string }[],
    missing: [] as LockedPackage[],
  };
  for (const p of lock.packages) {
    const candidate = offered.get(p.hash);
    const base = p.repository === undefined ? undefined : repoUri.get(p.repository);
    if (have.stored.has(p.hash)) out.stored.push(p);
    else if (have.cached.has(p.hash)) out.cached.push(p);
    else if (candidate !== undefined) out.repository.push({ locked: p, candidate });
    else if (base !== undefined && p.uri !== undefined)
      out.lockUrl.push({ locked: p, url: new URL(p.uri, base).href });
    else out.missing.push(p);
  }
  return out;
}

/** What applying a lock changes. */
export interface LockPlan {
  /** Packages to add (not installed now), dependencies first. */
  readonly install: Candidate[];
  /** Installed packages the lock does not hold. */
  readonly remove: InstalledPackage[];
  /** Installed packages the lock holds too (same hash). */
  readonly keep: InstalledPackage[];
  /** Names whose installed release the lock replaces with another one (up, down or rebuilt). */
  readonly change: { readonly from: InstalledPackage; readonly to: Candidate }[];
  /** Installed packages whose explicit flag the lock changes. */
  readonly reflag: InstalledPackage[];
  /** The selections of the new state: exactly the lock's packages and flags. */
  readonly selections: Selection[];
  /** True when the system already is the lock. */
  readonly unchanged: boolean;
}

/**
 * The state a lock describes, checked and ordered. `available` must offer, by id (= hash),
 * every locked package: stored, repository and fetched local candidates alike. Checks, before
 * anything is changed: each package is what the lock says it is (name, version, release, build
 * release: LOCK_MISMATCH), nothing is missing (LOCK_UNAVAILABLE naming all of them), and the
 * set works on its own (every dependency provided inside it, no declared conflict:
 * LOCK_INCONSISTENT naming each). Pure.
 */
export function resolveLock(
  lock: Lock,
  input: {
    readonly installed: readonly InstalledPackage[];
    readonly available: readonly Candidate[];
    /** Names the lock in reasons and errors (its file name). */
    readonly source?: string;
  },
): LockPlan {
  const source = input.source ?? 'the lock';
  const byId = new Map<string, Candidate>();
  for (const c of input.available) if (!byId.has(c.id)) byId.set(c.id, c);
  const missing = lock.packages.filter((p) => !byId.has(p.hash));
  if (missing.length > 0) throw unavailable(missing, source);

  const chosen: Candidate[] = [];
  for (const p of lock.packages) {
    const c = byId.get(p.hash)!;
    const m: ResolveMeta = c.meta;
    if (
      m.name !== p.name ||
      m.version !== p.version ||
      m.release !== p.release ||
      m.buildRelease !== p.buildRelease
    ) {
      throw new StateExportError(
        'LOCK_MISMATCH',
        `${source} says ${p.hash} is ${label(p)} (build ${p.buildRelease}), but that package is ${label(m)} (build ${m.buildRelease})`,
        { source, hash: p.hash, locked: label(p), actual: label(m) },
      );
    }
    chosen.push(c);
  }
  const index = new ProviderIndex(chosen);
  const problems: string[] = [];
  const depsOf = new Map<string, string[]>();
  const neededBy = new Map<string, string>();
  for (const c of chosen) {
    const deps: string[] = [];
    for (const d of c.meta.depends) {
      const providers = index.providers(d);
      if (providers.length === 0)
        problems.push(`${label(c.meta)} needs ${formatDependency(d)}, which no locked package provides`);
      for (const x of providers) {
        deps.push(x.id);
        if (!neededBy.has(x.id)) neededBy.set(x.id, `required by ${c.meta.name} (${formatDependency(d)})`);
      }
    }
    depsOf.set(c.id, deps);
    for (const d of c.meta.conflicts) {
      for (const x of index.providers(d)) {
        if (x.id !== c.id)
          problems.push(`${label(c.meta)} conflicts with ${label(x.meta)} (${formatDependency(d)})`);
      }
    }
  }
  if (problems.length > 0) {
    throw new StateExportError(
      'LOCK_INCONSISTENT',
      `${source} is not a working set of packages:\n  ${problems.join('\n  ')}`,
      { source, problems },
    );
  }

  const lockedIds = new Set(lock.packages.map((p) => p.hash));
  const installedById = new Map(input.installed.map((p) => [p.id, p]));
  const lockedByName = new Map(lock.packages.map((p) => [p.name, p]));
  const install = orderPackages(
    chosen.filter((c) => !installedById.has(c.id)),
    (c) => depsOf.get(c.id) ?? [],
  );
  const remove = input.installed.filter((p) => !lockedIds.has(p.id));
  const keep = input.installed.filter((p) => lockedIds.has(p.id));
  const change = remove.flatMap((from) => {
    const to = lockedByName.get(from.meta.name);
    return to === undefined ? [] : [{ from, to: byId.get(to.hash)! }];
  });
  const explicitOf = new Map(lock.packages.map((p) => [p.hash, p.explicit]));
  const reflag = keep.filter((p) => explicitOf.get(p.id) !== p.explicit);
  const selections: Selection[] = [...lock.packages]
    .sort((a, b) => compareUtf8(a.name, b.name))
    .map((p) => {
      const now = installedById.get(p.hash);
      if (now !== undefined && now.explicit === p.explicit) return selectionOf(now);
      const reason = p.explicit ? `locked in ${source}` : (neededBy.get(p.hash) ?? `locked in ${source}`);
      return { id: p.hash, explicit: p.explicit, reason };
    });
  return {
    install,
    remove,
    keep,
    change,
    reflag,
    selections,
    unchanged: install.length === 0 && remove.length === 0 && reflag.length === 0,
  };
}

function selectionOf(p: Selection): Selection {
  return p.reason === undefined
    ? { id: p.id, explicit: p.explicit }
    : { id: p.id, explicit: p.explicit, reason: p.reason };
}

/** LOCK_UNAVAILABLE naming every package that cannot be had, each with the reason when given. */
export function unavailable(
  missing: readonly (LockedPackage | { readonly locked: LockedPackage; readonly reason: string })[],
  source = 'the lock',
): StateExportError {
  const lines = missing.map((m) =>
    'locked' in m ? `${label(m.locked)} (${m.locked.hash}): ${m.reason}` : `${label(m)} (${m.hash})`,
  );
  return new StateExportError(
    'LOCK_UNAVAILABLE',
    `${lines.length} package(s) of ${source} can no longer be had; nothing was changed:\n  ${lines.join('\n  ')}`,
    {
      source,
      packages: missing.map((m) => {
        const p = 'locked' in m ? m.locked : m;
        return { name: p.name, version: p.version, release: p.release, hash: p.hash };
      }),
    },
  );
}
