import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Store } from '@serpent/store';
import type { SystemDbs } from '../db/system-dbs.js';
import { acquireRootLock } from '../lock/root-lock.js';
import type { Installation } from '../transaction/installation.js';
import { readJournal } from '../transaction/journal.js';
import { readStateId } from '../transaction/state-id.js';
import { TransactionError } from '../transaction-error.js';
import type { RootLayout } from './root-layout.js';
import type { OpenRootOptions, RootEvent } from './root-types.js';

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
 */
export class RootSession {
  readonly #layout: RootLayout;
  readonly #options: OpenRootOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #dbs: SystemDbs | undefined;
  #store: Store | undefined;
  #closed = false;

  constructor(layout: RootLayout, options: OpenRootOptions) {
    this.#layout = layout;
    this.#options = options;
  }

  get onEvent(): ((event: RootEvent) => void) | undefined {
    return this.#options.onEvent;
  }

  /**
   * Runs `fn` with the root locked and settled, after every call before it has finished.
   * `read` marks a call that changes nothing (listings, info, verify without repair): the place
   * where a shared lock and read-only databases go, so that reading needs no write access.
   */
  locked<T>(fn: (l: Locked) => Promise<T> | T, mode: 'read' | 'write' = 'write'): Promise<T> {
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

  async #run<T>(fn: (l: Locked) => Promise<T> | T, _mode: 'read' | 'write'): Promise<T> {
    const L = this.#layout;
    for (const d of [L.moss, L.dbDir, L.rootsDir, L.cacheDir]) mkdirSync(d, { recursive: true });
    const tag = `${L.cacheDir}/CACHEDIR.TAG`;
    if (!existsSync(tag))
      writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# moss download cache\n');
    const onEvent = this.onEvent;
    const lock = await acquireRootLock(L.root, {
      wait: this.#options.wait ?? true,
      ...(this.#options.command === undefined ? {} : { command: this.#options.command }),
      onWait: (holder) =>
        onEvent?.({
          type: 'waiting-for-lock',
          ...(holder ? { pid: holder.pid, command: holder.command } : {}),
        }),
    });
    try {
      // SQLite (a native addon) and kysely load with the first call, not with the package.
      this.#dbs ??= await (await import('../db/system-dbs.js')).openSystemDbs(L.root);
      const dbs = this.#dbs;
      const locked: Locked = {
        root: L.root,
        dbs,
        layout: L,
        activeStateId: () => readStateId(L.usr),
        engine: () => this.#engine(dbs),
      };
      await this.#settle(locked);
      return await fn(locked);
    } finally {
      lock.release();
    }
  }

  async #engine(dbs: SystemDbs): Promise<Installation> {
    const L = this.#layout;
    if (this.#store === undefined) {
      const { openStore } = await import('@serpent/store');
      // No fsync per asset: one syncfs after the whole precache, before any database row names
      // the new assets (storePackages), gives the same guarantee (a row never points at an
      // asset that is not on disk) for one flush per transaction. Measured on 3,000 small
      // files: precache 10.3 s with an fdatasync per asset; see docs/benchmarks.md.
      this.#store = await openStore(L.root, { fsync: false });
    }
    const store = this.#store;
    return {
      root: L.root,
      layout: L,
      dbs,
      store,
      activeStateId: () => readStateId(L.usr),
      nextStateId() {
        let max = Math.max(dbs.state.maxStateId(), readStateId(L.usr) ?? 0);
        for (const name of readdirSync(L.rootsDir)) if (/^\d+$/.test(name)) max = Math.max(max, Number(name));
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
    await this.#dbs?.close();
    this.#dbs = undefined;
  }
}
