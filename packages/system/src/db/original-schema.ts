import { type Kysely, sql } from 'kysely';

/**
 * The original moss's schema, statement for statement as its Diesel migrations
 * (`moss/src/db/{meta,layout,state}/migrations/<dir>/up.sql`) create it. We create our tables
 * with this very text, not an equivalent of it: a DB we create is then the one the original
 * would have created (same declared types, `NOT NULL` on the text primary keys, the
 * `unixepoch()` default), and every statement is `IF NOT EXISTS`, so a DB the original created
 * is adopted as it is.
 */
export const ORIGINAL_META_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (
    package TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    version_identifier TEXT NOT NULL,
    source_release INT NOT NULL,
    build_release INT NOT NULL,
    architecture TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    source_id TEXT NOT NULL,
    homepage TEXT NOT NULL,
    uri TEXT NULL,
    hash TEXT NULL,
    download_size BIGINT NULL
)`,
  ...(
    [
      ['meta_licenses', 'license'],
      ['meta_dependencies', 'dependency'],
      ['meta_providers', 'provider'],
      ['meta_conflicts', 'conflict'],
    ] as const
  ).map(
    ([table, column]) => `CREATE TABLE IF NOT EXISTS ${table} (
    package TEXT NOT NULL,
    ${column} TEXT NOT NULL,
    PRIMARY KEY (package, ${column}),
    FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE
)`,
  ),
];

export const ORIGINAL_LAYOUT_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS layout (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    package_id TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    tag INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    entry_value1 TEXT NULL,
    entry_value2 TEXT NULL
)`,
];

export const ORIGINAL_STATE_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS state (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    created BIGINT NOT NULL DEFAULT (unixepoch()),
    summary TEXT NULL,
    description TEXT NULL
)`,
  `CREATE TABLE IF NOT EXISTS state_selections (
    state_id INTEGER NOT NULL,
    package_id TEXT NOT NULL,
    explicit BOOLEAN NOT NULL,
    reason TEXT NULL,
    PRIMARY KEY(state_id, package_id),
    FOREIGN KEY(state_id) REFERENCES state(id) ON DELETE CASCADE
)`,
];

/**
 * The version Diesel records for each DB's one migration: its directory name
 * (`2024-03-03-165811_init`) up to the `_`, dashes removed.
 */
export const DIESEL_VERSION = {
  meta: '20240303165811',
  layout: '20240304192634',
  state: '20240304201550',
} as const;

/** Diesel's bookkeeping table, as `diesel_migrations` creates it on SQLite. */
const DIESEL_TABLE = `CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

/**
 * Creates the original's tables and records its migration as applied in Diesel's table, as the
 * original's own first open does. Without that row the original would run its migration again
 * on a DB we made (harmless: `IF NOT EXISTS`), but only with write access: a read-only original
 * (a non-root user) could not open our DB at all. A DB the original made keeps its row.
 */
export async function createOriginalSchema(
  db: Kysely<unknown>,
  ddl: readonly string[],
  dieselVersion: string,
): Promise<void> {
  await sql.raw(DIESEL_TABLE).execute(db);
  for (const statement of ddl) await sql.raw(statement).execute(db);
  await sql`INSERT OR IGNORE INTO __diesel_schema_migrations (version) VALUES (${dieselVersion})`.execute(db);
}
