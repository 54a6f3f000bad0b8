import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createOriginalSchema, DIESEL_VERSION, ORIGINAL_META_DDL } from './original-schema.js';

/** The meta DB tables, column for column as the original moss (Diesel) defines them. */
export interface MetaSchema {
  meta: {
    package: string;
    name: string;
    version_identifier: string;
    source_release: number;
    build_release: number;
    architecture: string;
    summary: string;
    description: string;
    source_id: string;
    homepage: string;
    uri: string | null;
    hash: string | null;
    download_size: number | null;
  };
  meta_licenses: { package: string; license: string };
  meta_dependencies: { package: string; dependency: string };
  meta_providers: { package: string; provider: string };
  meta_conflicts: { package: string; conflict: string };
  /** Facts about the data itself (a repository's index URI, SHA-256, fetch time, HTTP validators). */
  meta_info: { key: string; value: string };
}

/** The child tables and their value column; each has PK (package, value) and cascades. */
export const META_CHILDREN = [
  ['meta_licenses', 'license'],
  ['meta_dependencies', 'dependency'],
  ['meta_providers', 'provider'],
  ['meta_conflicts', 'conflict'],
] as const;

/**
 * `IF NOT EXISTS` everywhere, so a meta DB written by the original moss (same tables, Diesel's
 * bookkeeping beside them) is adopted as it is rather than failing on "table already exists".
 */
export const META_MIGRATIONS: Record<string, Migration> = {
  // Named after the original's Diesel migration directory; its own DDL text (original-schema.ts).
  '20240303165811_create_meta': {
    async up(db: Kysely<unknown>) {
      await createOriginalSchema(db, ORIGINAL_META_DDL, DIESEL_VERSION.meta);
    },
  },
  // The original has no index: every provider lookup scanned ~10,000 rows in a real repository.
  // (The PK of meta_providers starts with `package`, so it cannot serve a lookup by provider.)
  '20261123000000_provider_index': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('meta_providers_provider')
        .ifNotExists()
        .on('meta_providers')
        .column('provider')
        .execute();
      await db.schema.createIndex('meta_name').ifNotExists().on('meta').column('name').execute();
    },
  },
  // A repository's meta DB records where its rows came from and when, so `repo list` can say
  // how fresh an index is and `repo update` can ask the server only for a newer one.
  '20261123000100_meta_info': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta_info')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
