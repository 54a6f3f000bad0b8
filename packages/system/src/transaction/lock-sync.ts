import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { mapLimit } from '@serpent/concurrency';
import { downloadPath, fetchPackages } from '@serpent/repository';
import type { Candidate } from '@serpent/resolve';
import {
  type Lock,
  type LockedPackage,
  type LockPlan,
  lockSources,
  resolveLock,
  unavailable,
} from '@serpent/state-export';
import type { StateRepository } from '../db/state-db.js';
import { repositoryCandidates } from '../repositories/repository-state.js';
import { commitPackages, type Fetcher, type LocalStone, readLocalStones } from './install-packages.js';
import { commitInstallTo, type InstallToResult } from './install-to.js';
import type { Installation } from './installation.js';
import { installedPackages } from './installed-packages.js';
import { type EventSink, phase } from './transaction-event.js';

/** A lock resolved against a root, ready to commit (`moss sync --lock`, `install --to --lock`). */
export interface PreparedLock {
  readonly lock: Lock;
  /** How the lock is named in reasons and messages (its file name). */
  readonly source: string;
  readonly plan: LockPlan;
  /** Locked packages read from the download cache or fetched from their locked URL. */
  readonly stones: ReadonlyMap<string, LocalStone>;
}

/** Downloads at once when fetching by locked URL: the repository default (see fetch-packages.ts). */
const CONCURRENCY = 8;

const label = (p: LockedPackage) => `${p.name} ${p.version}-${p.release}`;

/**
 * Resolves a lock against this root without changing it: every locked package comes from the
 * store (installed now or before), the download cache, a configured repository that still
 * offers its hash, or, failing those, the URL the lock recorded (downloaded into the cache now,
 * SHA-256 checked against the lock, since its metadata is needed to plan). A package none of
 * them has is named with every other one like it (LOCK_UNAVAILABLE) before anything changes;
 * then the set is checked (see resolveLock). `ignoreInstalled`: plan as for an empty root
 * (`install --to`).
 */
export async function planLock(
  inst: Installation,
  lock: Lock,
  options: { source?: string; ignoreInstalled?: boolean; onEvent?: EventSink } = {},
): Promise<PreparedLock> {
  const source = options.source ?? 'the lock';
  const { onEvent } = options;
  const hashes = new Set(lock.packages.map((p) => p.hash));
  const layoutIds = new Set(inst.dbs.layout.packageIds());
  const storedMeta = inst.dbs.install.getPackages([...hashes].filter((h) => layoutIds.has(h)));
  const stored = new Set(storedMeta.map((p) => p.id));
  const cacheFile = (h: string) => downloadPath(inst.layout.cacheDir, h);
  const cached = new Set([...hashes].filter((h) => !stored.has(h) && existsSync(cacheFile(h))));
  const candidates = await repositoryCandidates(inst.root);
  const sources = lockSources(lock, { stored, cached, candidates });

  const failed: { locked: LockedPackage; reason: string }[] = sources.missing.map((p) => ({
    locked: p,
    reason: 'in no repository index, not in the cache, and the lock records no URL for it',
  }));
  const fromFiles: { locked: LockedPackage; path: string; url?: string }[] = sources.cached.map((p) => ({
    locked: p,
    path: cacheFile(p.hash),
  }));
  if (sources.lockUrl.length > 0) {
    await phase(onEvent, 'fetch', async () => {
      // One download per package, not one batch: a batch stops at its first failure, and the
      // error must name every locked package that is gone, not the first.
      let done = 0;
      await mapLimit(sources.lockUrl, CONCURRENCY, async ({ locked, url }) => {
        try {
          const [got] = await fetchPackages(
            [
              {
                name: locked.name,
                repo: locked.repository ?? 'lock',
                url,
                sha256: locked.hash,
                size: locked.size ?? 0,
              },
            ],
            { cacheDir: inst.layout.cacheDir },
          );
          fromFiles.push({ locked, path: got!.path, url });
        } catch (err) {
          failed.push({
            locked,
            reason: `in no repository index and not in the cache; ${url}: ${(err as Error).message}`,
          });
        }
        done++;
        onEvent?.({
          type: 'fetch-progress',
          packagesDone: done,
          packages: sources.lockUrl.length,
          bytesDone: 0,
          bytes: 0,
        });
      });
    });
  }
  const read = await readLocalStones(fromFiles.map((f) => f.path));
  const stones = new Map<string, LocalStone>();
  read.forEach((s, i) => {
    const f = fromFiles[i]!;
    if (s.id !== f.locked.hash) {
      failed.push({ locked: f.locked, reason: `the cached copy ${f.path} is damaged (SHA-256 ${s.id})` });
      return;
    }
    // The install DB keeps where a package came from: its URL when it has one, as for repositories.
    stones.set(s.id, f.url === undefined ? s : { ...s, meta: { ...s.meta, packageUri: f.url } });
  });
  if (failed.length > 0) {
    failed.sort((a, b) => (label(a.locked) < label(b.locked) ? -1 : 1));
    throw unavailable(failed, source);
  }

  const available: Candidate[] = [
    ...storedMeta.map(
      (p): Candidate => ({ id: p.id, meta: p.meta, source: { kind: 'local', name: 'stored' } }),
    ),
    ...sources.repository.map((r) => r.candidate),
    ...[...stones.values()].map((s): Candidate => ({ id: s.id, meta: s.meta, source: { kind: 'local' } })),
  ];
  const plan = resolveLock(lock, {
    installed: options.ignoreInstalled ? [] : installedPackages(inst),
    available,
    source,
  });
  return { lock, source, plan, stones };
}

/** The lock's repositories, as the new state records them. */
function lockRepositories(lock: Lock): StateRepository[] {
  return lock.repositories.map((r) => ({
    name: r.name,
    uri: r.uri,
    priority: r.priority,
    indexSha256: r.indexSha256,
  }));
}

/**
 * `moss sync --lock`: makes the root exactly the lock's selection in one transaction (fetch what
 * a repository still offers, precache, blit, triggers, swap, record). Returns the new state id.
 */
export function commitLock(
  inst: Installation,
  prepared: PreparedLock,
  options: { fetch?: Fetcher; onEvent?: EventSink } = {},
): Promise<number> {
  return commitPackages(inst, {
    install: prepared.plan.install,
    selections: prepared.plan.selections,
    stones: prepared.stones,
    summary: `Sync to lock ${basename(prepared.source)}`,
    repositories: lockRepositories(prepared.lock),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/**
 * `moss install --to DIR --lock`: the lock's packages become `DIR/usr` (a container or image
 * root), as `install --to` makes one; plan it with `ignoreInstalled`.
 */
export function commitLockTo(
  inst: Installation,
  prepared: PreparedLock,
  targetDir: string,
  options: { fetch?: Fetcher; onEvent?: EventSink } = {},
): Promise<InstallToResult> {
  return commitInstallTo(
    inst,
    {
      plan: { install: prepared.plan.install, selections: prepared.plan.selections },
      stones: prepared.stones,
    },
    targetDir,
    options,
  );
}
