import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openMetaDb } from '../src/db/meta-db.js';
import { openSystemDbs, systemDbPaths } from '../src/db/system-dbs.js';
import { tempDir } from './helpers.js';

// The original moss's own migration text (moss/src/db/*/migrations/*/up.sql) and Diesel's
// bookkeeping table, kept here as the test's independent copy: reference.md §3.
const ORIGINAL = {
  install: `CREATE TABLE IF NOT EXISTS meta (
    package TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, version_identifier TEXT NOT NULL,
    source_release INT NOT NULL, build_release INT NOT NULL, architecture TEXT NOT NULL,
    summary TEXT NOT NULL, description TEXT NOT NULL, source_id TEXT NOT NULL, homepage TEXT NOT NULL,
    uri TEXT NULL, hash TEXT NULL, download_size BIGINT NULL);
  CREATE TABLE IF NOT EXISTS meta_licenses (package TEXT NOT NULL, license TEXT NOT NULL,
    PRIMARY KEY (package, license), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
  CREATE TABLE IF NOT EXISTS meta_dependencies (package TEXT NOT NULL, dependency TEXT NOT NULL,
    PRIMARY KEY (package, dependency), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
  CREATE TABLE IF NOT EXISTS meta_providers (package TEXT NOT NULL, provider TEXT NOT NULL,
    PRIMARY KEY (package, provider), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
  CREATE TABLE IF NOT EXISTS meta_conflicts (package TEXT NOT NULL, conflict TEXT NOT NULL,
    PRIMARY KEY (package, conflict), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);`,
  layout: `CREATE TABLE IF NOT EXISTS layout (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    package_id TEXT NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL,
    tag INTEGER NOT NULL, entry_type TEXT NOT NULL, entry_value1 TEXT NULL, entry_value2 TEXT NULL);`,
  state: `CREATE TABLE IF NOT EXISTS state (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
    created BIGINT NOT NULL DEFAULT (unixepoch()), summary TEXT NULL, description TEXT NULL);
  CREATE TABLE IF NOT EXISTS state_selections (state_id INTEGER NOT NULL, package_id TEXT NOT NULL,
    explicit BOOLEAN NOT NULL, reason TEXT NULL, PRIMARY KEY(state_id, package_id),
    FOREIGN KEY(state_id) REFERENCES state(id) ON DELETE CASCADE);`,
};
const DIESEL = `CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
  version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);`;
const VERSION = { install: '20240303165811', layout: '20240304192634', state: '20240304201550' };

/** Columns, foreign keys and primary keys of every table, as SQLite understands the schema. */
function shape(db: Database.Database, tables: string[]) {
  return Object.fromEntries(
    tables.map((t) => [
      t,
      {
        columns: db.pragma(`table_info(${t})`),
        foreignKeys: db.pragma(`foreign_key_list(${t})`),
      },
    ]),
  );
}
const TABLES = {
  install: ['meta', 'meta_licenses', 'meta_dependencies', 'meta_providers', 'meta_conflicts'],
  layout: ['layout'],
  state: ['state', 'state_selections'],
};

function originalRoot(dir: string): void {
  for (const [name, ddl] of Object.entries(ORIGINAL) as [keyof typeof ORIGINAL, string][]) {
    const db = new Database(systemDbPaths(dir)[name]);
    db.exec(`${DIESEL}\n${ddl}`);
    db.prepare('INSERT INTO __diesel_schema_migrations (version) VALUES (?)').run(VERSION[name]);
    db.close();
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('databases beside the original moss (reference.md §3)', () => {
  it('creates each table exactly as the original DDL does, with Diesel recording its migration', async () => {
    const ours = tempDir();
    const theirs = tempDir();
    cleanups.push(ours.remove, theirs.remove);
    const dbs = await openSystemDbs(ours.dir);
    await dbs.close();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(theirs.dir, '.moss', 'db'), { recursive: true });
    originalRoot(theirs.dir);
    for (const name of ['install', 'layout', 'state'] as const) {
      const a = new Database(systemDbPaths(ours.dir)[name], { readonly: true });
      const b = new Database(systemDbPaths(theirs.dir)[name], { readonly: true });
      expect(shape(a, TABLES[name]), name).toEqual(shape(b, TABLES[name]));
      // Diesel's table and row: the original finds its migration applied and writes nothing.
      expect(shape(a, ['__diesel_schema_migrations'])).toEqual(shape(b, ['__diesel_schema_migrations']));
      expect(a.prepare('SELECT version FROM __diesel_schema_migrations').pluck().all()).toEqual([
        VERSION[name],
      ]);
      // The original's rollback journal (SQLite's default), not WAL.
      expect(a.pragma('journal_mode', { simple: true })).toBe('delete');
      a.close();
      b.close();
    }
  });

  it('opens a root the original wrote read-only without changing a byte or creating a file', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(t.dir, '.moss', 'db'), { recursive: true });
    originalRoot(t.dir);
    const before = Object.values(systemDbPaths(t.dir)).map((p) => readFileSync(p));
    const dbs = await openSystemDbs(t.dir, { readOnly: true });
    expect(dbs.install.listPackages()).toEqual([]);
    expect(dbs.state.listStates()).toEqual([]);
    expect(() => dbs.state.addState({ selections: [{ packageId: 'x', explicit: true }] })).toThrow(
      expect.objectContaining({ code: 'SYSTEM_DB_WRITE' }),
    );
    await dbs.close();
    expect(Object.values(systemDbPaths(t.dir)).map((p) => readFileSync(p))).toEqual(before);
    expect(readdirSync(join(t.dir, '.moss', 'db')).sort()).toEqual(['install', 'layout', 'state']);
  });

  it('reads a root with no databases yet as empty, creating nothing', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const dbs = await openSystemDbs(t.dir, { readOnly: true });
    expect(dbs.layout.packageIds()).toEqual([]);
    expect(dbs.state.maxStateId()).toBe(0);
    await dbs.close();
    expect(existsSync(join(t.dir, '.moss'))).toBe(false);
  });

  it('a repository DB the original wrote, read-only, has packages and no facts of ours', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const path = join(t.dir, 'db');
    const raw = new Database(path);
    raw.exec(`${DIESEL}\n${ORIGINAL.install}`);
    raw.exec(
      "INSERT INTO meta VALUES ('h1', 'nano', '8.0', 3, 1, 'x86_64', 's', 'd', 'nano', 'https://nano-editor.org', 'n/nano.stone', 'h1', 10)",
    );
    raw.close();
    const m = await openMetaDb(path, { readOnly: true });
    expect(m.info()).toEqual({});
    expect(m.listPackages().map((p) => p.meta.packageUri)).toEqual(['n/nano.stone']);
    await m.close();
    const db = new Database(path, { readonly: true });
    // Still only the original's tables: no migration ran.
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
    ).toEqual([
      '__diesel_schema_migrations',
      'meta',
      'meta_conflicts',
      'meta_dependencies',
      'meta_licenses',
      'meta_providers',
    ]);
    db.close();
  });

  it('switches a DB an earlier version of ours left in WAL mode back to the rollback journal', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const path = join(t.dir, 'install');
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.close();
    const m = await openMetaDb(path);
    await m.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });
});
