import type Database from 'better-sqlite3';
import { SystemError } from '../system-error.js';
import { prepareQuery } from './prepared.js';
import {
  closeSqlite,
  hasTable,
  type OpenSqliteOptions,
  openSqlite,
  type SqliteHandle,
  writeTransaction,
} from './sqlite-handle.js';
import { STATE_MIGRATIONS, type StateSchema } from './state-schema.js';

/** Why a package is in a state: the user asked for it (explicit) or something needed it. */
export interface Selection {
  readonly packageId: string;
  readonly explicit: boolean;
  readonly reason?: string;
}

/** A repository a state's packages were resolved against, with the index it had then. */
export interface StateRepository {
  readonly name: string;
  readonly uri: string;
  readonly priority: number;
  /** SHA-256 of its stone.index at the time; undefined when it was never fetched. */
  readonly indexSha256?: string;
}

export interface StateInfo {
  readonly id: number;
  /** Always `transaction` today, as in the original. */
  readonly type: string;
  readonly created: Date;
  readonly summary?: string;
  readonly description?: string;
}

export interface State extends StateInfo {
  readonly selections: readonly Selection[];
  /** Empty for states recorded without them (by the original moss, or before they were kept). */
  readonly repositories: readonly StateRepository[];
}

export interface NewState {
  /**
   * The id to record it under, for an engine that names the state's files before recording it;
   * it must be above every id ever used ({@link StateDb.maxStateId}). Default: the next one.
   */
  readonly id?: number;
  readonly summary?: string;
  readonly description?: string;
  readonly selections: readonly Selection[];
  /** The repositories its packages were resolved against (recorded in the same transaction). */
  readonly repositories?: readonly StateRepository[];
  /** Defaults to now. */
  readonly created?: Date;
}

/**
 * The state DB, `<root>/.moss/db/state`: one row per recorded state with its selections.
 * Which state is active is not stored here (it is `/usr/.stateID`, the engine's business).
 */
export class StateDb {
  readonly path: string;
  readonly #h: SqliteHandle<StateSchema>;
  readonly #insertState: Database.Statement;
  readonly #insertStateWithId: Database.Statement;
  readonly #maxId: Database.Statement;
  readonly #insertSelection: Database.Statement;
  readonly #get: Database.Statement;
  readonly #selections: Database.Statement;
  readonly #list: Database.Statement;
  readonly #deleteSelections: Database.Statement;
  readonly #delete: Database.Statement;
  /** Undefined in a DB the original wrote, opened read-only: it has no such table (ours). */
  readonly #repo:
    | { insert: Database.Statement; list: Database.Statement; delete: Database.Statement }
    | undefined;

  constructor(handle: SqliteHandle<StateSchema>) {
    this.#h = handle;
    this.path = handle.path;
    const { raw, kysely: k } = handle;
    this.#insertState = raw.prepare(
      `INSERT INTO state (type, created, summary, description) VALUES ('transaction', ?, ?, ?)`,
    );
    this.#insertStateWithId = raw.prepare(
      `INSERT INTO state (id, type, created, summary, description) VALUES (?, 'transaction', ?, ?, ?)`,
    );
    // sqlite_sequence keeps the highest AUTOINCREMENT id ever handed out, removed rows included;
    // a DB whose states were all inserted with explicit ids still has max(id).
    this.#maxId = raw
      .prepare(
        `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'state'), 0),
                    coalesce((SELECT max(id) FROM state), 0))`,
      )
      .pluck(true);
    this.#insertSelection = raw.prepare(
      'INSERT INTO state_selections (state_id, package_id, explicit, reason) VALUES (?, ?, ?, ?)',
    );
    this.#get = prepareQuery(raw, k.selectFrom('state').selectAll().where('id', '=', 0));
    this.#selections = prepareQuery(
      raw,
      k.selectFrom('state_selections').selectAll().where('state_id', '=', 0).orderBy('package_id'),
    );
    this.#list = prepareQuery(raw, k.selectFrom('state').selectAll().orderBy('id'));
    this.#deleteSelections = raw.prepare(
      'DELETE FROM state_selections WHERE state_id IN (SELECT value FROM json_each(?))',
    );
    this.#delete = raw.prepare('DELETE FROM state WHERE id IN (SELECT value FROM json_each(?))');
    this.#repo = hasTable(handle, 'state_repositories')
      ? {
          insert: raw.prepare(
            'INSERT INTO state_repositories (state_id, name, uri, priority, index_sha256) VALUES (?, ?, ?, ?, ?)',
          ),
          list: raw.prepare(
            'SELECT name, uri, priority, index_sha256 FROM state_repositories WHERE state_id = ? ORDER BY priority DESC, name',
          ),
          delete: raw.prepare(
            'DELETE FROM state_repositories WHERE state_id IN (SELECT value FROM json_each(?))',
          ),
        }
      : undefined;
  }

  /**
   * Records a state with its selections in one transaction and returns its id. The engine calls
   * this only once the new `/usr` is live, so a failed transaction leaves no phantom row.
   */
  addState(state: NewState): number {
    const seen = new Set<string>();
    for (const s of state.selections) {
      if (seen.has(s.packageId)) {
        throw new SystemError(
          'SYSTEM_INVALID_INPUT',
          `${this.path}: package ${s.packageId} is selected twice`,
          {
            path: this.path,
            package: s.packageId,
          },
        );
      }
      seen.add(s.packageId);
    }
    const created = Math.floor((state.created ?? new Date()).getTime() / 1000);
    return writeTransaction(this.#h, 'recording a state', () => {
      const summary = state.summary ?? null;
      const description = state.description ?? null;
      let id: number;
      if (state.id === undefined) {
        id = Number(this.#insertState.run(created, summary, description).lastInsertRowid);
      } else {
        const max = this.maxStateId();
        if (!Number.isSafeInteger(state.id) || state.id <= max) {
          throw new SystemError(
            'SYSTEM_INVALID_INPUT',
            `${this.path}: state id ${state.id} is not above ${max}, the highest id used so far; ids are never reused`,
            { path: this.path, id: state.id, maxStateId: max },
          );
        }
        id = state.id;
        this.#insertStateWithId.run(id, created, summary, description);
      }
      for (const s of state.selections)
        this.#insertSelection.run(id, s.packageId, s.explicit ? 1 : 0, s.reason ?? null);
      for (const r of state.repositories ?? [])
        this.#repo?.insert.run(id, r.name, r.uri, r.priority, r.indexSha256 ?? null);
      return id;
    });
  }

  getState(id: number): State | undefined {
    const row = this.#get.get(id) as StateSchema['state'] | undefined;
    if (row === undefined) return undefined;
    const selections = (this.#selections.all(id) as StateSchema['state_selections'][]).map(
      (s): Selection => ({
        packageId: s.package_id,
        explicit: s.explicit !== 0,
        ...(s.reason === null ? {} : { reason: s.reason }),
      }),
    );
    const repositories = (
      (this.#repo?.list.all(id) ?? []) as Omit<StateSchema['state_repositories'], 'state_id'>[]
    ).map(
      (r): StateRepository => ({
        name: r.name,
        uri: r.uri,
        priority: Number(r.priority),
        ...(r.index_sha256 === null ? {} : { indexSha256: r.index_sha256 }),
      }),
    );
    return { ...info(row), selections, repositories };
  }

  /** The highest state id ever recorded, removed states included; 0 for a new DB. */
  maxStateId(): number {
    return Number(this.#maxId.get());
  }

  /** Every state, oldest first, without selections. */
  listStates(): StateInfo[] {
    return (this.#list.all() as StateSchema['state'][]).map(info);
  }

  /** Removes states and their selections. Ids are never reused afterwards (AUTOINCREMENT). */
  removeStates(ids: Iterable<number>): void {
    const list = JSON.stringify([...ids]);
    writeTransaction(this.#h, 'removing states', () => {
      this.#deleteSelections.run(list);
      this.#repo?.delete.run(list);
      this.#delete.run(list);
    });
  }

  close(): Promise<void> {
    return closeSqlite(this.#h);
  }
}

function info(row: StateSchema['state']): StateInfo {
  return {
    id: Number(row.id),
    type: row.type,
    created: new Date(Number(row.created) * 1000),
    ...(row.summary === null ? {} : { summary: row.summary }),
    ...(row.description === null ? {} : { description: row.description }),
  };
}

export async function openStateDb(path: string, options: OpenSqliteOptions = {}): Promise<StateDb> {
  return new StateDb(await openSqlite<StateSchema>(path, STATE_MIGRATIONS, 'serpent_migration', options));
}
