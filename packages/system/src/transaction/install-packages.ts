import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mapLimit } from '@serpent/concurrency';
import { hashFile } from '@serpent/durable';
import {
  type Candidate,
  type InstallPlan,
  type Selection as ResolvedSelection,
  resolveInstall,
} from '@serpent/resolve';
import { FileType, type PackageMeta, packageNameProblem, StoneReader } from '@serpent/stone';
import type { StateRepository } from '../db/state-db.js';
import { watchFilesystem } from '../fs/sync-filesystem.js';
import { stateRepositories } from '../repositories/repository-state.js';
import { TransactionError } from '../transaction-error.js';
import { applyState } from './apply-state.js';
import type { Installation } from './installation.js';
import { installedPackages } from './installed-packages.js';
import { startSpareScan } from './stage-tree.js';
import { type EventSink, phase } from './transaction-event.js';

/** A local `.stone` offered for installation. */
export interface LocalStone {
  readonly path: string;
  /** SHA-256 of the file: the package id, as moss ids repository packages. */
  readonly id: string;
  readonly size: number;
  readonly meta: PackageMeta;
}

/** Reads the metadata (only the Meta payload) and SHA-256 of local stones. */
export async function readLocalStones(paths: readonly string[]): Promise<LocalStone[]> {
  // A few at a time: each read holds a 1 MiB buffer, and all 1,820 stones of the transaction
  // benchmark at once held 1.9 GB of external memory (500 MB resident) before anything else ran.
  return mapLimit(paths, READ_CONCURRENCY, (p) => readLocalStone(p));
}

/** Stones read at once by readLocalStones: enough to overlap hashing with reading. */
const READ_CONCURRENCY = 8;

const NOT_PACKAGES: Record<number, string> = {
  [FileType.Delta]: 'delta',
  [FileType.Repository]: 'repository index',
  [FileType.BuildManifest]: 'build manifest',
};

async function readLocalStone(p: string): Promise<LocalStone> {
  const path = resolve(p);
  const stone = await StoneReader.open(path);
  try {
    // A repository index or a build manifest has a Meta payload too, but no files: installing
    // one would record a package that is not there.
    const type = stone.header.fileType;
    if (type !== FileType.Binary) {
      throw new TransactionError(
        'TX_NOT_A_PACKAGE',
        `${path}: a ${NOT_PACKAGES[type] ?? `type ${type}`} stone, not a package`,
        {
          hint: 'give a package (.stone from boulder); to use a stone.index, add its repository with `moss repo add`',
          details: { path, fileType: type },
        },
      );
    }
    const [meta, id, st] = await Promise.all([stone.meta(), hashFile(path), stat(path)]);
    const unsafe = packageNameProblem(meta);
    if (unsafe !== undefined) {
      throw new TransactionError('TX_BAD_PACKAGE_NAME', `${path}: ${unsafe}`, {
        hint: 'this stone was not made by a packaging tool that checks names; rebuild it or leave it out',
        details: { path },
      });
    }
    return {
      path,
      id,
      size: st.size,
      // An absolute URL, as the original keeps every package's URI in the install DB (it
      // parses the column as a URL to fetch a package again): file:// for a local stone.
      meta: { ...meta, packageUri: pathToFileURL(path).href, packageHash: id, packageSize: st.size },
    };
  } finally {
    await stone.close();
  }
}

export interface InstallRequest {
  /** Local stone files to install (explicitly: an installed package of the same name is replaced). */
  readonly stones?: readonly LocalStone[];
  /** Names or providers (`nano`, `binary(nano)`, `soname(libz.so.1(x86_64))`). */
  readonly names?: readonly string[];
  /** Packages from repositories (issue: repositories); resolved with the local stones. */
  readonly candidates?: readonly Candidate[];
}

export interface PreparedInstall {
  readonly plan: InstallPlan;
  /** Installed packages a given stone of the same name replaces. */
  readonly replaced: { readonly name: string; readonly from: string; readonly to: string }[];
  readonly stones: ReadonlyMap<string, LocalStone>;
}

/** Resolves an install without changing anything: what the summary and the prompt show. */
export function planInstall(
  inst: Installation,
  request: InstallRequest,
  options: {
    /** Resolve as if nothing were installed (`install --to`: every package goes to the target). */
    readonly ignoreInstalled?: boolean;
  } = {},
): PreparedInstall {
  const stones = new Map((request.stones ?? []).map((s) => [s.id, s]));
  const byName = new Map([...stones.values()].map((s) => [s.meta.name, s]));
  const installed = installedPackages(inst);
  // A stone named on the command line is what the user wants, even when another release of it
  // is installed (moss would answer "already installed"): that release leaves the selection.
  const replaced = installed.filter((p) => byName.has(p.meta.name) && byName.get(p.meta.name)!.id !== p.id);
  const kept = installed.filter((p) => !replaced.includes(p));
  const candidates: Candidate[] = [
    // `--to`: nothing counts as installed, but what is installed (its content already in the
    // store) is still preferred to repositories to provide what the request needs (a local
    // source: the resolver takes `installed` candidates to be in `installed`).
    ...(options.ignoreInstalled
      ? kept.map((p): Candidate => ({ id: p.id, meta: p.meta, source: { kind: 'local', name: 'installed' } }))
      : []),
    ...[...stones.values()].map((s): Candidate => ({ id: s.id, meta: s.meta, source: { kind: 'local' } })),
    ...(request.candidates ?? []),
  ];
  const plan = resolveInstall({
    request: [...[...stones.values()].map((s) => `name(${s.meta.name})`), ...(request.names ?? [])],
    installed: options.ignoreInstalled ? [] : kept,
    candidates,
  });
  return {
    plan,
    replaced: (options.ignoreInstalled ? [] : replaced).map((p) => ({
      name: p.meta.name,
      from: `${p.meta.version}-${p.meta.release}`,
      to: `${byName.get(p.meta.name)!.meta.version}-${byName.get(p.meta.name)!.meta.release}`,
    })),
    stones,
  };
}

/**
 * Installs a prepared plan: every new package is fetched if it comes from a repository,
 * precached (its assets verified into the store, its metadata and layout into the databases),
 * then the new state is applied.
 */
export async function commitInstall(
  inst: Installation,
  prepared: PreparedInstall,
  options: {
    onEvent?: EventSink;
    fetch?: Fetcher;
    summary?: string;
    repositories?: readonly StateRepository[];
  } = {},
): Promise<number> {
  return commitPackages(inst, {
    install: prepared.plan.install,
    selections: prepared.plan.selections,
    stones: prepared.stones,
    summary: options.summary ?? 'Install',
    repositories: options.repositories ?? (await stateRepositories(inst.root)),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/** Turns repository candidates into verified local stone paths (id → path). */
export type Fetcher = (candidates: readonly Candidate[]) => Promise<Map<string, string>>;

/**
 * The common end of install and sync: make sure every package of `install` is in the store and
 * the databases, then apply `selections` as a new state.
 */
export async function commitPackages(
  inst: Installation,
  input: {
    install: readonly Candidate[];
    selections: readonly ResolvedSelection[];
    stones?: ReadonlyMap<string, LocalStone>;
    summary: string;
    /** The repositories the selections were resolved against, recorded with the state. */
    repositories?: readonly StateRepository[];
    fetch?: Fetcher;
    onEvent?: EventSink;
  },
): Promise<number> {
  const { onEvent } = input;
  const selections = input.selections.map((s) => ({
    packageId: s.id,
    explicit: s.explicit,
    ...(s.reason ? { reason: s.reason } : {}),
  }));
  // Scanned while the packages are stored: a one-package install waited ≈ 0.15 s for it after
  // planning otherwise (1,820 packages, 29k directories).
  const scan = startSpareScan(inst, selections);
  scan.catch(() => {});
  await storePackages(inst, input);
  return applyState(inst, {
    scan,
    kind: 'new-state',
    summary: input.summary,
    ...(input.repositories === undefined ? {} : { repositories: input.repositories }),
    selections,
    ...(onEvent ? { onEvent } : {}),
  });
}

/**
 * Makes sure every package of `install` is in the store and the databases: fetched if it comes
 * from a repository, precached, then (after one syncfs) its meta and layout rows written.
 */
export async function storePackages(
  inst: Installation,
  input: {
    install: readonly Candidate[];
    stones?: ReadonlyMap<string, LocalStone> | undefined;
    fetch?: Fetcher | undefined;
    onEvent?: EventSink | undefined;
  },
): Promise<void> {
  const { onEvent } = input;
  const stones = input.stones ?? new Map<string, LocalStone>();
  // Presence only, of the packages asked for: loading the rows read every layout of an
  // `install --to` of installed packages for nothing, and listing every package id scanned the
  // whole index (0.4 s of a one-package install on a 1,820-package system).
  const known = inst.dbs.layout.withLayouts(input.install.map((c) => c.id));
  const needed = input.install.filter((c) => !known.has(c.id));
  const remote = needed.filter((c) => !stones.has(c.id));
  let fetched = new Map<string, string>();
  if (remote.length > 0) {
    if (!input.fetch) {
      throw new TransactionError(
        'TX_STONE_UNAVAILABLE',
        `no stone file for ${remote.map((c) => c.meta.name).join(', ')}`,
        {
          hint: 'add a repository that has them (`moss repo add`), or name their .stone files',
        },
      );
    }
    const fetch = input.fetch;
    fetched = await phase(onEvent, 'fetch', () => fetch(remote));
  }
  // Each package's layout rows are written as its stone finishes unpacking, into one layout
  // transaction that commits in `register`, after the syncfs: the main thread does the database
  // work while the threads unpack the rest, and no moment holds every layout of a whole system
  // (the 1,820 layouts of the transaction benchmark were held until the end, then written in
  // one go). Until the commit nothing is visible, and a crash leaves no row behind.
  const batch = needed.length === 0 ? undefined : inst.dbs.layout.openBatch();
  // Opened before the precache writes a byte, so a writeback error of any asset fails the flush.
  const sync = watchFilesystem(inst.store.assetsDir);
  try {
    const results = await phase(onEvent, 'precache', async () => {
      const paths = needed.map((c) => stones.get(c.id)?.path ?? fetched.get(c.id)!);
      const total = needed.length;
      let done = 0;
      const out = await inst.store.precacheMany(paths, {
        // Only the layouts go on (to the database): the index entries of every stone would be
        // held for nothing (325k of them for the transaction benchmark).
        index: false,
        onResult: (i, r) => batch?.add(needed[i]!.id, r.layout),
        onProgress: (e) => {
          if (e.type === 'done') done++;
          if (e.type !== 'start') {
            onEvent?.({
              type: 'precache-progress',
              stonesDone: done,
              stones: total,
              bytesDone: e.type === 'progress' ? e.bytesDone : 0,
              bytes: e.type === 'progress' ? e.bytes : 0,
            });
          }
        },
      });
      // The durability barrier of the store (opened without per-asset fsync): every new asset
      // reaches the disk before a database row refers to it, or nothing is recorded.
      await sync.flush();
      return out;
    }).finally(() => sync.close());
    // Its own phase so that database time shows apart from file work (the repository benchmark
    // asks whether an install is limited by the blit or by the database).
    await phase(onEvent, 'register', async () => {
      const metaOf = (c: Candidate, i: number): PackageMeta => {
        const local = stones.get(c.id);
        if (local) return local.meta;
        // The install DB keeps a repository package's absolute URL, as the original does.
        const url = (c as { url?: string }).url;
        return { ...results[i]!.meta, ...(c.meta as PackageMeta), ...(url ? { packageUri: url } : {}) };
      };
      inst.dbs.install.addPackages(needed.map((c, i) => ({ id: c.id, meta: metaOf(c, i) })));
      batch?.commit();
    });
  } finally {
    batch?.rollback();
  }
}
