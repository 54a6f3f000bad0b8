import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { SystemError } from '../system-error.js';

/** One open SQLite file: the raw better-sqlite3 handle for prepared statements, and kysely. */
export interface SqliteHandle<Schema> {
  readonly path: string;
  readonly raw: Database.Database;
  readonly kysely: Kysely<Schema>;
}

/**
 * True when a load error means the native module was compiled for another Node ABI
 * (`NODE_MODULE_VERSION 115 ... requires 137`) or cannot be loaded at all.
 */
export function isNativeLoadError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === 'ERR_DLOPEN_FAILED' ||
    (typeof e?.message === 'string' &&
      /NODE_MODULE_VERSION|better_sqlite3\.node|Could not locate the bindings file/.test(e.message))
  );
}

function openRaw(path: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return new Database(path);
  } catch (cause) {
    if (isNativeLoadError(cause)) {
      throw new SystemError(
        'SYSTEM_NATIVE_ABI',
        `better-sqlite3 cannot be loaded by Node ${process.version} (NODE_MODULE_VERSION ${process.versions.modules}): ${(cause as Error).message}`,
        { path, node: process.version, abi: process.versions.modules },
        { cause },
      );
    }
    throw new SystemError(
      'SYSTEM_DB_OPEN',
      `${path}: cannot open the database: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
}

/**
 * Opens (creating if needed) a database and brings its schema up to date.
 *
 * Pragmas, and why:
 * - `journal_mode=WAL`: readers (a non-root `moss list`) never block the writer and vice versa;
 *   a commit appends to the WAL instead of rewriting pages twice.
 * - `synchronous=FULL`: the WAL is fsynced at every commit, so a recorded state survives a power
 *   cut. NORMAL would only lose the last commits (never corrupt), but "the state is recorded
 *   once it is live" must mean it is on disk; commits are few (one per batch), so FULL costs
 *   one fsync per transaction, not per row.
 * - `foreign_keys=ON`: the original declares ON DELETE CASCADE but never enables the pragma, so
 *   child rows were left orphaned; here the cascade is real.
 * - `busy_timeout=5000`: a second process reading while a writer checkpoints waits instead of
 *   failing with SQLITE_BUSY at once. Writers are serialised by the root lock anyway.
 */
export async function openSqlite<Schema>(
  path: string,
  migrations: Readonly<Record<string, Migration>>,
  migrationTable: string,
): Promise<SqliteHandle<Schema>> {
  const raw = openRaw(path);
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
  } catch (cause) {
    raw.close();
    throw new SystemError(
      'SYSTEM_DB_OPEN',
      `${path}: not a usable SQLite database: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });
  if (upToDate(raw, migrations, migrationTable)) return { path, raw, kysely };
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: migrationTable,
    migrationLockTableName: `${migrationTable}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    await kysely.destroy();
    throw new SystemError(
      'SYSTEM_DB_MIGRATION',
      `${path}: cannot bring the schema up to date${failed === undefined ? '' : ` (migration ${failed})`}: ${(error as Error).message ?? String(error)}`,
      { path, migration: failed },
      { cause: error },
    );
  }
  return { path, raw, kysely };
}

/**
 * Whether exactly our migrations are recorded as applied. kysely's Migrator finds that too, but
 * through a dozen statements on its asynchronous executor (its tables created if missing, its
 * lock row, the applied list): the three databases took 35-77 ms to open under load before
 * `moss list installed` could read anything, 8-12 ms with this check first. One synchronous
 * SELECT answers it on every open but a root's first, or one written by an older or newer
 * version, which still go through the Migrator.
 */
function upToDate(
  raw: Database.Database,
  migrations: Readonly<Record<string, Migration>>,
  migrationTable: string,
): boolean {
  try {
    const rows = raw.prepare(`SELECT name FROM "${migrationTable}"`).all() as { name: string }[];
    const applied = new Set(rows.map((r) => r.name));
    const known = Object.keys(migrations);
    // Exactly ours: one the Migrator does not know (a newer moss wrote it) must reach the
    // Migrator, which refuses it (SYSTEM_DB_MIGRATION).
    return applied.size === known.length && known.every((name) => applied.has(name));
  } catch {
    // No migration table yet: a new database.
    return false;
  }
}

/**
 * Runs `fn` in one `BEGIN IMMEDIATE` transaction: all of it commits (one fsync) or none.
 * Synchronous on purpose: no other query can interleave between its statements.
 */
export function writeTransaction<T, S>(handle: SqliteHandle<S>, what: string, fn: () => T): T {
  try {
    return handle.raw.transaction(fn).immediate();
  } catch (cause) {
    if (cause instanceof SystemError) throw cause;
    throw new SystemError(
      'SYSTEM_DB_WRITE',
      `${handle.path}: ${what} failed: ${(cause as Error).message}`,
      { path: handle.path, operation: what },
      { cause },
    );
  }
}

/** Closes the file; the WAL is checkpointed and removed by SQLite on the last close. */
export async function closeSqlite<S>(handle: SqliteHandle<S>): Promise<void> {
  await handle.kysely.destroy();
}
