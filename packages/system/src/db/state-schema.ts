import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createOriginalSchema, DIESEL_VERSION, ORIGINAL_STATE_DDL } from './original-schema.js';

/** The state DB tables, column for column as the original moss defines them. */
export interface StateSchema {
  state: {
    id: number;
    type: string;
    created: number;
    summary: string | null;
    description: string | null;
  };
  state_selections: {
    state_id: number;
    package_id: string;
    explicit: number;
    reason: string | null;
  };
  /** Ours: the repositories (and their index) a state's packages were resolved against. */
  state_repositories: {
    state_id: number;
    name: string;
    uri: string;
    priority: number;
    index_sha256: string | null;
  };
}

export const STATE_MIGRATIONS: Record<string, Migration> = {
  // Named after the original's Diesel migration directory; IF NOT EXISTS adopts its files.
  // AUTOINCREMENT keeps ids from ever being reused after states are removed: an archived tree
  // under .moss/root/<id> must never be mistaken for a newer state.
  '20240304201550_create_state': {
    async up(db: Kysely<unknown>) {
      await createOriginalSchema(db, ORIGINAL_STATE_DDL, DIESEL_VERSION.state);
    },
  },
  // Ours (the original has no such record): which repositories, at which index (SHA-256), a
  // state's packages were resolved against, so `moss state export` can write a lock that says
  // so. The original neither reads nor removes these rows; a state it prunes leaves them behind,
  // harmless since ids are never reused.
  '20261203000000_state_repositories': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('state_repositories')
        .ifNotExists()
        .addColumn('state_id', 'integer', (c) => c.notNull().references('state.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('uri', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('index_sha256', 'text')
        .addPrimaryKeyConstraint('state_repositories_pk', ['state_id', 'name'] as never)
        .execute();
    },
  },
};
