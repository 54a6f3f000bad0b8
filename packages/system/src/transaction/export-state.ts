import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadRepositories, repositoryCacheDir } from '@serpent/repository';
import {
  type ExportedPackage,
  type Lock,
  type LockRepository,
  lockOf,
  modelOf,
  type SystemModel,
} from '@serpent/state-export';
import { openMetaDb } from '../db/meta-db.js';
import type { StateRepository } from '../db/state-db.js';
import { stateRepositories } from '../repositories/repository-state.js';
import { TransactionError } from '../transaction-error.js';
import type { Installation } from './installation.js';
import { installedPackages } from './installed-packages.js';

type Origin = NonNullable<ExportedPackage['origin']>;

/** Where each of `ids` sits in a repository's cached index: its PackageURI and size. */
async function originsIn(
  root: string,
  repo: StateRepository,
  ids: readonly string[],
): Promise<Map<string, Origin>> {
  const db = join(await repositoryCacheDir(root, repo.uri), 'db');
  const out = new Map<string, Origin>();
  if (!existsSync(db)) return out;
  const meta = await openMetaDb(db);
  try {
    for (const p of meta.getPackages(ids)) {
      if (p.meta.packageUri !== undefined && p.meta.packageSize !== undefined)
        out.set(p.id, { repository: repo.name, uri: p.meta.packageUri, size: p.meta.packageSize });
    }
  } finally {
    await meta.close();
  }
  return out;
}

/**
 * The lock of a state (default: the active one): every selected package by hash with its
 * version, releases and explicit flag, and where it came from. Repositories are those the state
 * recorded (with the SHA-256 of the index it was resolved against); for a state recorded
 * without them (by the original moss), those configured and fetched now. A package's origin is
 * the first of them whose cached index still lists its hash, else the one whose directory its
 * recorded download URL lies under; local stones have none.
 */
export async function exportLock(
  inst: Pick<Installation, 'root' | 'dbs' | 'activeStateId'>,
  stateId?: number,
  options: { generator?: string } = {},
): Promise<Lock> {
  const id = stateId ?? inst.activeStateId();
  if (id === undefined) {
    throw new TransactionError(
      'TX_NO_ACTIVE_STATE',
      `no state is active in ${inst.root}, so there is nothing to export`,
      {
        hint: 'name a state (`moss state list`), or install packages first',
      },
    );
  }
  const state = inst.dbs.state.getState(id);
  if (state === undefined) {
    throw new TransactionError('TX_STATE_UNKNOWN', `there is no state ${id} in ${inst.root}`, {
      hint: '`moss state list` shows the states there are',
      details: { state: id },
    });
  }
  const ids = state.selections.map((s) => s.packageId);
  const metas = new Map(inst.dbs.install.getPackages(ids).map((p) => [p.id, p.meta]));
  const lost = ids.filter((x) => !metas.has(x));
  if (lost.length > 0) {
    throw new TransactionError(
      'TX_PACKAGE_UNKNOWN',
      `state ${id} selects ${lost.length} package(s) the install database does not know: ${lost.join(', ')}`,
      { hint: 'run `moss state verify --repair`', details: { state: id, packages: lost } },
    );
  }
  const recorded = state.repositories.length > 0 ? state.repositories : await stateRepositories(inst.root);
  const sources = recorded.filter(
    (r): r is StateRepository & { indexSha256: string } => r.indexSha256 !== undefined,
  );
  const origins = new Map<string, Origin>();
  for (const r of sources) {
    for (const [pkg, o] of await originsIn(inst.root, r, ids)) if (!origins.has(pkg)) origins.set(pkg, o);
  }
  const packages: ExportedPackage[] = state.selections.map((s) => {
    const m = metas.get(s.packageId)!;
    let origin = origins.get(s.packageId);
    // The install DB keeps a repository package's absolute URL (as the original does).
    if (origin === undefined && m.packageUri !== undefined && /^(https?|file):/.test(m.packageUri)) {
      for (const r of sources) {
        const base = new URL('.', r.uri).href;
        if (m.packageUri.startsWith(base)) {
          origin = { repository: r.name, uri: m.packageUri.slice(base.length), size: m.packageSize ?? 0 };
          break;
        }
      }
    }
    return {
      name: m.name,
      version: m.version,
      release: m.release,
      buildRelease: m.buildRelease,
      hash: s.packageId,
      explicit: s.explicit,
      ...(origin === undefined ? {} : { origin }),
    };
  });
  const repositories: LockRepository[] = sources.map((r) => ({
    name: r.name,
    uri: r.uri,
    priority: r.priority,
    indexSha256: r.indexSha256,
  }));
  return lockOf({
    packages,
    repositories,
    state: { id, created: state.created.toISOString(), summary: state.summary ?? null },
    ...(options.generator === undefined ? {} : { generator: options.generator }),
  });
}

/**
 * The model of a system: every configured repository (vendor and admin, as layered) and the
 * names of the active state's explicit packages.
 */
export async function exportModel(
  inst: Pick<Installation, 'root' | 'dbs' | 'activeStateId'>,
): Promise<SystemModel> {
  const { repositories } = await loadRepositories(inst.root);
  return modelOf({
    repositories: repositories.map((r) => ({
      id: r.id,
      uri: r.uri,
      priority: r.priority,
      // `...` is the original's placeholder for "no description".
      ...(r.description && r.description !== '...' ? { description: r.description } : {}),
      active: r.active,
      keys: r.keys,
    })),
    packages: installedPackages(inst).map((p) => ({ name: p.meta.name, explicit: p.explicit })),
  });
}
