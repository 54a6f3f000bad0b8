import { existsSync, mkdirSync } from 'node:fs';
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

function nativeAbiError(cause: unknown, path: string): SystemError {
  return new SystemError(
    'SYSTEM_NATIVE_ABI',
    `better-sqlite3 cannot be loaded by Node ${process.version} (NODE_MODULE_VERSION ${process.versions.modules}): ${(cause as Error).message}`,
    { path, node: process.version, abi: process.versions.modules },
    { cause },
  );
}

function openRaw(path: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return new Database(path);
  } catch (cause) {
    if (isNativeLoadError(cause)) throw nativeAbiError(cause, path);
    throw new SystemError(
      'SYSTEM_DB_OPEN',
      `${path}: cannot open the database: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
}

export interface OpenSqliteOptions {
  /**
   * Read without changing anything: the file is opened read-only, no pragma that writes is set
   * and no migration runs, so a DB the original moss wrote stays exactly as it is, and reading
   * works on a full disk or a read-only filesystem. A missing file reads as an empty DB (one
   * made in memory, nothing is created on disk).
   */
  readonly readOnly?: boolean;
}

/**
 * Opens (creating if needed) a database and brings its schema up to date, or, with `readOnly`,
 * only opens it for reading.
 *
 * Pragmas, and why:
 * - `journal_mode=DELETE`, the original's (SQLite's default) rollback journal. WAL would let a
 *   reader run beside the writer, but a WAL database cannot be read without its `-shm` index,
 *   which SQLite must create and size first: on a full disk `moss list installed` then failed
 *   with "disk I/O error" (SQLITE_IOERR_SHMSIZE, reproduced on a full tmpfs). With a rollback
 *   journal a read writes nothing. Readers and the writer are short (one commit per batch) and
 *   wait for each other through `busy_timeout`. A DB an earlier version left in WAL mode is
 *   switched back on its next read-write open.
 * - `synchronous=FULL`: every commit is on disk before it returns, so a recorded state survives
 *   a power cut; commits are few (one per batch), so this is a few fsyncs per transaction.
 * - `foreign_keys=ON`: the original declares ON DELETE CASCADE but never enables the pragma, so
 *   child rows were left orphaned; here the cascade is real.
 * - `busy_timeout=5000`: a second process reading while the writer commits waits instead of
 *   failing with SQLITE_BUSY at once. Writers are serialised by the root lock anyway.
 */
export async function openSqlite<Schema>(
  path: string,
  migrations: Readonly<Record<string, Migration>>,
  migrationTable: string,
  options: OpenSqliteOptions = {},
): Promise<SqliteHandle<Schema>> {
  if (options.readOnly && path !== ':memory:') {
    if (!existsSync(path)) return openSqlite<Schema>(':memory:', migrations, migrationTable);
    return openReadOnly<Schema>(path);
  }
  const raw = openRaw(path);
  try {
    // Not in WAL mode (a DB our earlier versions made), as the original writes them.
    if (raw.pragma('journal_mode', { simple: true }) === 'wal') raw.pragma('journal_mode = DELETE');
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

function openReadOnly<Schema>(path: string): SqliteHandle<Schema> {
  let raw: Database.Database | undefined;
  try {
    raw = new Database(path, { readonly: true, fileMustExist: true });
    raw.pragma('busy_timeout = 5000');
    // Reads the schema now, so a file that is not SQLite (or a WAL DB on a full disk) fails
    // here with its path rather than at the first query.
    raw.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (cause) {
    raw?.close();
    if (isNativeLoadError(cause)) throw nativeAbiError(cause, path);
    throw new SystemError(
      'SYSTEM_DB_OPEN',
      `${path}: cannot read the database: ${(cause as Error).message}`,
      { path, readOnly: true },
      {
        cause,
        hint: 'a command that changes the root (run as root) opens it for writing, which finishes or rolls back an interrupted write',
      },
    );
  }
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });
  return { path, raw, kysely };
}

/** True when the database has `table` (a read-only DB the original wrote lacks our own tables). */
export function hasTable<S>(handle: SqliteHandle<S>, table: string): boolean {
  return (
    handle.raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !==
    undefined
  );
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

/** Closes the file. */
export async function closeSqlite<S>(handle: SqliteHandle<S>): Promise<void> {
  await handle.kysely.destroy();
}
