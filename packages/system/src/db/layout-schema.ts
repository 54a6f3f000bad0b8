import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createOriginalSchema, DIESEL_VERSION, ORIGINAL_LAYOUT_DDL } from './original-schema.js';

/** The layout DB table, column for column as the original moss defines it. */
export interface LayoutSchema {
  layout: {
    id: number;
    package_id: string;
    uid: number;
    gid: number;
    mode: number;
    tag: number;
    entry_type: string;
    entry_value1: string | null;
    entry_value2: string | null;
  };
}

export const LAYOUT_MIGRATIONS: Record<string, Migration> = {
  // Named after the original's Diesel migration directory; its own DDL text (original-schema.ts),
  // IF NOT EXISTS adopts its files.
  '20240304192634_create_layout': {
    async up(db: Kysely<unknown>) {
      await createOriginalSchema(db, ORIGINAL_LAYOUT_DDL, DIESEL_VERSION.layout);
    },
  },
  // The original has no index on package_id, so reading one package's layout scanned all
  // ~230k rows of a desktop system; removing a package did the same.
  '20261123000000_package_index': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('layout_package_id')
        .ifNotExists()
        .on('layout')
        .column('package_id')
        .execute();
    },
  },
  // What a transaction that changes a few packages reads instead of every layout row
  // (@serpent/vfs planTreeChange): the files at given paths and below given directories, and
  // every directory and symlink of a state. Partial indexes, so neither costs a row of the
  // other kind. SQLite keeps them up to date whoever writes the rows, the original moss too.
  '20261203000000_change_indexes': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('layout_file_target')
        .ifNotExists()
        .on('layout')
        .column('entry_value2')
        .where(sql.ref('entry_type'), '=', 'regular')
        .execute();
      await db.schema
        .createIndex('layout_structure')
        .ifNotExists()
        .on('layout')
        .column('package_id')
        .where(sql.ref('entry_type'), '!=', 'regular')
        .execute();
    },
  },
};
