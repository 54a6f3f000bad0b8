import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Store } from '@serpent/store';
import type { SystemDbs } from '../db/system-dbs.js';
import { type AcquireOptions, acquireRootLock, acquireSharedRootLock } from '../lock/root-lock.js';
import type { Installation } from '../transaction/installation.js';
import { readJournal } from '../transaction/journal.js';
import { normalizeStateIdFile, readStateId } from '../transaction/state-id.js';
import { TransactionError } from '../transaction-error.js';
import type { RootLayout } from './root-layout.js';
import type { OpenRootOptions, RootEvent } from './root-types.js';

/** `read`: a call that changes nothing; `write`: one that may. */
export type CallMode = 'read' | 'write';

/** What a locked call gets: the databases always, the engine (store included) on request. */
export interface Locked {
  readonly root: string;
  readonly dbs: SystemDbs;
  readonly layout: RootLayout;
  activeStateId(): number | undefined;
  /** The store and the engine's view of the root, opened on first use. */
  engine(): Promise<Installation>;
}

/**
 * The Root's hold on its root. Calls run one at a time; each takes the root lock for its
 * duration (another process may work between two calls, so a plan is checked again at commit),
 * settles an interrupted transaction first, and finds the databases open. The databases stay
 * open between calls; the store, and with it the engine's modules, is loaded only by a call that
 * needs it, so `list installed` never loads the store, the vfs, koffi or the triggers.
 *
 * A call that only reads (listings, info, search, state list and active, verify without repair)
 * takes the lock shared (it waits for a writer, never for another reader), opens the databases
 * read-only without migrating them and the store without creating or cleaning anything, and
 * creates no directory or file: a root the original moss manages stays byte for byte as it is,
 * and reading works on a full disk or a read-only filesystem (issue 14, A3 and C8). If a crash
 * left a transaction (its journal is there), or the initrd activated a state picked in the boot
 * menu (its marker), the call is run as a writer instead, to settle that first: what it reads
 * must be one state, and the boot menu must follow the live one.
 */
export class RootSession {
  readonly #layout: RootLayout;
  readonly #options: OpenRootOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #dbs: { readonly mode: CallMode; readonly dbs: SystemDbs } | undefined;
  #store: { readonly mode: CallMode; readonly store: Store } | undefined;
  #closed = false;

  constructor(layout: RootLayout, options: OpenRootOptions) {
    this.#layout = layout;
    this.#options = options;
  }

  /** Where the root's files are (no call needed: paths only). */
  get layout(): RootLayout {
    return this.#layout;
  }

  get onEvent(): ((event: RootEvent) => void) | undefined {
    return this.#options.onEvent;
  }

  /** The largest repository index a refresh accepts (OpenRootOptions.maxIndexBytes). */
  get maxIndexBytes(): number | undefined {
    return this.#options.maxIndexBytes;
  }

  /**
   * Runs `fn` with the root locked and settled, after every call before it has finished.
   * `read` marks a call that changes nothing: a shared lock, read-only databases and store.
   */
  locked<T>(fn: (l: Locked) => Promise<T> | T, mode: CallMode = 'write'): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new TransactionError('TX_ROOT_CLOSED', `the root ${this.#layout.root} was closed`, {
          hint: 'open it again with openRoot',
        }),
      );
    }
    const run = this.#queue.then(() => this.#run(fn, mode));
    this.#queue = run.catch(() => {});
    return run;
  }

  #lockOptions(): AcquireOptions {
    const onEvent = this.onEvent;
    return {
      wait: this.#options.wait ?? true,
      ...(this.#options.command === undefined ? {} : { command: this.#options.command }),
      onWait: (holder) =>
        onEvent?.({
          type: 'waiting-for-lock',
          ...(holder ? { pid: holder.pid, command: holder.command } : {}),
        }),
    };
  }

  async #run<T>(fn: (l: Locked) => Promise<T> | T, mode: CallMode): Promise<T> {
    const L = this.#layout;
    if (mode === 'read') {
      const lock = await acquireSharedRootLock(L.root, this.#lockOptions());
      try {
        // Nothing to settle: read as it is. A crash's journal, or the marker of a state picked
        // in the boot menu (whose boot entries must follow), runs the call as a writer below.
        if (!existsSync(L.journal) && !existsSync(L.bootActivation)) {
          const { dbs, keep } = await this.#openDbs('read');
          try {
            return await fn(this.#locked(dbs, 'read'));
          } finally {
            if (!keep) await dbs.close();
          }
        }
      } finally {
        lock.release();
      }
    }
    for (const d of [L.moss, L.dbDir, L.rootsDir, L.cacheDir]) mkdirSync(d, { recursive: true });
    const tag = `${L.cacheDir}/CACHEDIR.TAG`;
    if (!existsSync(tag))
      writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# moss download cache\n');
    const lock = await acquireRootLock(L.root, this.#lockOptions());
    try {
      const locked = this.#locked((await this.#openDbs('write')).dbs, 'write');
      await this.#settle(locked);
      // Our earlier versions wrote "2\n", which the original reads as no state at all.
      normalizeStateIdFile(L.usr);
      return await fn(locked);
    } finally {
      lock.release();
    }
  }

  #locked(dbs: SystemDbs, mode: CallMode): Locked {
    const L = this.#layout;
    return {
      root: L.root,
      dbs,
      layout: L,
      activeStateId: () => readStateId(L.usr),
      engine: () => this.#engine(dbs, mode),
    };
  }

  /**
   * The databases for a call, and whether they stay open for the next. Writable ones serve
   * readers too (they write nothing unless asked); read-only ones are reopened writable for the
   * first writer. A read-only open where a database is missing reads it as empty and is closed
   * after the call: another process may create it meanwhile.
   */
  async #openDbs(mode: CallMode): Promise<{ dbs: SystemDbs; keep: boolean }> {
    if (this.#dbs !== undefined && (this.#dbs.mode === 'write' || mode === 'read'))
      return { dbs: this.#dbs.dbs, keep: true };
    await this.#dbs?.dbs.close();
    this.#dbs = undefined;
    // SQLite (a native addon) and kysely load with the first call, not with the package.
    const { openSystemDbs, systemDbPaths } = await import('../db/system-dbs.js');
    const root = this.#layout.root;
    const dbs = await openSystemDbs(root, { readOnly: mode === 'read' });
    const keep = mode === 'write' || Object.values(systemDbPaths(root)).every((p) => existsSync(p));
    if (keep) this.#dbs = { mode, dbs };
    return { dbs, keep };
  }

  async #engine(dbs: SystemDbs, mode: CallMode): Promise<Installation> {
    const L = this.#layout;
    if (this.#store === undefined || (this.#store.mode === 'read' && mode === 'write')) {
      const { openStore } = await import('@serpent/store');
      // No fsync per asset: one syncfs after the whole precache, before any database row names
      // the new assets (storePackages), gives the same guarantee (a row never points at an
      // asset that is not on disk) for one flush per transaction. Measured on 3,000 small
      // files: precache 10.3 s with an fdatasync per asset; see docs/benchmarks.md. A reader's
      // store creates and cleans nothing.
      const store = await openStore(L.root, mode === 'read' ? { readOnly: true } : { fsync: false });
      this.#store = { mode, store };
    }
    const store = this.#store.store;
    return {
      root: L.root,
      layout: L,
      dbs,
      store,
      activeStateId: () => readStateId(L.usr),
      nextStateId() {
        let max = Math.max(dbs.state.maxStateId(), readStateId(L.usr) ?? 0);
        if (existsSync(L.rootsDir))
          for (const name of readdirSync(L.rootsDir))
            if (/^\d+$/.test(name)) max = Math.max(max, Number(name));
        return max + 1;
      },
    };
  }

  /**
   * Finishes or rolls back a transaction a crash interrupted, so every call starts from a root
   * on exactly one state. Without a journal a leftover staging dir is garbage and goes; with
   * one, the engine is loaded (only then) to recover. So it is when the initrd activated the
   * state picked in the boot menu (its marker): the boot entries then follow the live state.
   */
  async #settle(l: Locked): Promise<void> {
    const L = this.#layout;
    if (readJournal(L.journal) === undefined && !existsSync(L.bootActivation)) {
      if (existsSync(L.staging)) rmSync(L.staging, { recursive: true, force: true });
      return;
    }
    const inst = await l.engine();
    const { recoverInterrupted } = await import('../transaction/recover.js');
    await recoverInterrupted(inst, this.onEvent);
    await inst.store.cleanTemp();
  }

  /** Refuses new calls, waits for those already made, then closes the databases. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#dbs?.dbs.close();
    this.#dbs = undefined;
  }
}
