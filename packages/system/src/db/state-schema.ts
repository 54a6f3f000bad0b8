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
};
