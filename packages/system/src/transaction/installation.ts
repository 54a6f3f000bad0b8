import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, type Store } from '@serpent/store';
import { openSystemDbs, type SystemDbs } from '../db/system-dbs.js';
import { acquireRootLock, acquireSharedRootLock, type RootLock } from '../lock/root-lock.js';
import { type RootLayout, rootLayout } from '../root/root-layout.js';
import { recoverInterrupted } from './recover.js';
import { normalizeStateIdFile, readStateId } from './state-id.js';
import { TransactionError } from './transaction-error.js';
import type { EventSink } from './transaction-event.js';

/** An opened root: its lock held, databases open, any interrupted transaction settled. */
export interface Installation {
  readonly root: string;
  readonly layout: RootLayout;
  readonly dbs: SystemDbs;
  readonly store: Store;
  /** Opened with `readOnly`: nothing on disk may be changed through it. */
  readonly readOnly: boolean;
  /** The live state, from `/usr/.stateID`. */
  activeStateId(): number | undefined;
  /** The id the next state will get: ids are never reused, not even those of pruned states. */
  nextStateId(): number;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly onEvent?: EventSink;
  /** Wait for another moss holding the root (default) or fail at once with SYSTEM_LOCKED. */
  readonly wait?: boolean;
  /** The command line, recorded in the lock so a second process can say who holds it. */
  readonly command?: string;
  /**
   * For commands that only read (list, info, search, state list, verify without repair): a
   * shared lock (it waits for a process changing the root, never for another reader), no
   * directory or file created, the databases opened read-only and never migrated, so a root
   * the original moss manages is left exactly as it is and reading works on a full disk or a
   * read-only filesystem. If a crash interrupted a transaction (its journal is there), the root
   * is opened for writing after all, to settle it first: what it reads must be one state.
   */
  readonly readOnly?: boolean;
}

/**
 * Opens a root for changes: creates `.moss`, takes the exclusive lock (waiting and saying who
 * holds it), opens the three databases and the store, then finishes or rolls back whatever
 * transaction a crash interrupted, so every command starts from a root that is on exactly one
 * state. Read-only commands use the same path: it is cheap (one flock, three SQLite opens).
 */
export async function openInstallation(rootDir: string, options: OpenOptions = {}): Promise<Installation> {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new TransactionError('TX_ROOT_INVALID', `the root ${root} does not exist or is not a directory`, {
      hint: 'create it first (`mkdir -p ROOT`), or pass the right directory with -D',
      details: { root },
    });
  }
  const layout = rootLayout(root);
  if (options.readOnly) {
    const reading = await openForReading(root, layout, options);
    if (reading !== undefined) return reading;
  }
  for (const d of [layout.moss, layout.dbDir, layout.rootsDir, layout.cacheDir])
    mkdirSync(d, { recursive: true });
  const tag = `${layout.cacheDir}/CACHEDIR.TAG`;
  if (!existsSync(tag))
    writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# moss download cache\n');
  const lock: RootLock = await acquireRootLock(root, {
    wait: options.wait ?? true,
    ...(options.command === undefined ? {} : { command: options.command }),
    onWait: (holder) =>
      options.onEvent?.({
        type: 'waiting-for-lock',
        ...(holder ? { pid: holder.pid, command: holder.command } : {}),
      }),
  });
  let dbs: SystemDbs | undefined;
  try {
    dbs = await openSystemDbs(root);
    // No fsync per asset: one syncfs after the whole precache, before any database row names
    // the new assets (commitPackages), gives the same guarantee (a row never points at an
    // asset that is not on disk) for one flush per transaction. Measured on 3,000 small files:
    // precache 10.3 s with an fdatasync per asset, see docs/benchmarks.md for the batched figure.
    const store = await openStore(root, { fsync: false });
    const inst: Installation = {
      root,
      layout,
      dbs,
      store,
      readOnly: false,
      activeStateId: () => readStateId(layout.usr),
      nextStateId: () => nextStateId(dbs!, layout),
      async close() {
        await dbs!.close();
        lock.release();
      },
    };
    await recoverInterrupted(inst, options.onEvent);
    // Our earlier versions wrote "2\n", which the original reads as no state at all.
    normalizeStateIdFile(layout.usr);
    await store.cleanTemp();
    return inst;
  } catch (err) {
    await dbs?.close();
    lock.release();
    throw err;
  }
}

function nextStateId(dbs: SystemDbs, layout: RootLayout): number {
  let max = Math.max(dbs.state.maxStateId(), readStateId(layout.usr) ?? 0);
  if (existsSync(layout.rootsDir))
    for (const name of readdirSync(layout.rootsDir))
      if (/^\d+$/.test(name)) max = Math.max(max, Number(name));
  return max + 1;
}

/**
 * The read-only way in: a shared lock (waits for a writer, not for readers), databases and
 * store opened read-only. undefined when a crash left a transaction to settle (its journal is
 * there although no writer holds the root): the caller opens for writing instead.
 */
async function openForReading(
  root: string,
  layout: RootLayout,
  options: OpenOptions,
): Promise<Installation | undefined> {
  const lock = await acquireSharedRootLock(root, {
    wait: options.wait ?? true,
    onWait: (holder) =>
      options.onEvent?.({
        type: 'waiting-for-lock',
        ...(holder ? { pid: holder.pid, command: holder.command } : {}),
      }),
  });
  if (existsSync(layout.journal)) {
    lock.release();
    return undefined;
  }
  let dbs: SystemDbs | undefined;
  try {
    dbs = await openSystemDbs(root, { readOnly: true });
    const store = await openStore(root, { readOnly: true });
    const opened = dbs;
    return {
      root,
      layout,
      dbs: opened,
      store,
      readOnly: true,
      activeStateId: () => readStateId(layout.usr),
      nextStateId: () => nextStateId(opened, layout),
      async close() {
        await opened.close();
        lock.release();
      },
    };
  } catch (err) {
    await dbs?.close();
    lock.release();
    throw err;
  }
}
