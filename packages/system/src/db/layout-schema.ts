import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

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
  // Named after the original's Diesel migration directory; IF NOT EXISTS adopts its files.
  '20240304192634_create_layout': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('layout')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('package_id', 'text', (c) => c.notNull())
        .addColumn('uid', 'integer', (c) => c.notNull())
        .addColumn('gid', 'integer', (c) => c.notNull())
        .addColumn('mode', 'integer', (c) => c.notNull())
        .addColumn('tag', 'integer', (c) => c.notNull())
        .addColumn('entry_type', 'text', (c) => c.notNull())
        .addColumn('entry_value1', 'text')
        .addColumn('entry_value2', 'text')
        .execute();
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
};
