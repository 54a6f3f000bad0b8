import type { Kysely } from 'kysely';
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
};
