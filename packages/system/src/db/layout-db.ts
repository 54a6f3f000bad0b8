import type { LayoutEntry } from '@serpent/stone';
import type Database from 'better-sqlite3';
import { SystemError } from '../system-error.js';
import { LAYOUT_MIGRATIONS, type LayoutSchema } from './layout-schema.js';
import { idList, prepareQuery } from './prepared.js';
import {
  closeSqlite,
  type OpenSqliteOptions,
  openSqlite,
  type SqliteHandle,
  writeTransaction,
} from './sqlite-handle.js';

/** Layouts written one package at a time into one transaction: see {@link LayoutDb.openBatch}. */
export interface LayoutBatch {
  /** Replaces the layout of one package (within the batch). */
  add(packageId: string, entries: readonly LayoutEntry[]): void;
  commit(): void;
  /** Discards every layout added; a no-op once committed or rolled back. */
  rollback(): void;
}

/** A layout row with its id: the id orders a package's entries as a full build reads them. */
export interface LayoutRow {
  readonly id: number;
  readonly packageId: string;
  readonly entry: LayoutEntry;
}

/** One package's layout, as written by {@link LayoutDb.addLayouts}. */
export interface PackageLayout {
  readonly packageId: string;
  readonly entries: readonly LayoutEntry[];
}

// The original's entry_type spellings; the stone model says 'char-device' for type 4.
const TYPE_TO_DB: Record<LayoutEntry['type'], string> = {
  regular: 'regular',
  symlink: 'symlink',
  directory: 'directory',
  'char-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
  socket: 'socket',
};
const TYPE_FROM_DB = new Map(Object.entries(TYPE_TO_DB).map(([k, v]) => [v, k as LayoutEntry['type']]));

/**
 * The original stores a regular file's XXH3-128 as a decimal u128 string; we keep that so a
 * layout DB written by the original moss reads back right. Converting costs ≈ 0.3-0.45 µs per
 * hash (135 ms to write and 78 ms to read 300,000, measured), under a tenth of the insert.
 */
function hexToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString();
}
function decimalToHex(dec: string): string {
  return BigInt(dec).toString(16).padStart(32, '0');
}

/**
 * Rows per INSERT statement. One prepared 100-row statement costs ≈ 40 % less CPU than 100 runs
 * of a one-row statement (300,000 rows in memory: 712-761 ms vs 1,163-1,244 ms CPU), since each
 * run crosses from JS into the addon and through SQLite's statement reset once.
 */
const ROWS_PER_INSERT = 100;

const ROW_COLUMNS = 'id, package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2';

/** The statements only an in-place change uses (see LayoutDb's #changeQueries). */
interface ChangeQueries {
  readonly structure: Database.Statement;
  readonly filesAt: Database.Statement;
  readonly filesBetween: Database.Statement;
}

/**
 * The layout DB, `<root>/.moss/db/layout`: every file entry of every cached package, the input
 * of the VFS build. Open it with {@link openLayoutDb}.
 *
 * Writes and reads go through raw better-sqlite3 prepared statements, not kysely's executor.
 * `bench/db.bench.mjs`, 300,000 rows on a real file, CPU time on this 2-core machine (shared,
 * load average 10-13, so wall times were 2-4x higher): our insert (100-row statements in one
 * transaction, hash conversion included) 1.50 s, 1.70 s with one-row statements; kysely `insertInto().values()` in
 * 4,000-row chunks (under the 32,766 bind-variable limit) 2.36-2.42 s, 1.4-1.6x ours, because it
 * rebuilds and re-prepares a 32,000-parameter statement per chunk. A bare one-row loop with no
 * conversion, the floor of the old approach, 1.25-1.35 s. Reads bind the id list as one JSON
 * parameter (`json_each`), so any number of ids is one prepared statement.
 */
export class LayoutDb {
  readonly path: string;
  readonly #h: SqliteHandle<LayoutSchema>;
  readonly #insert: Database.Statement;
  readonly #insertMany: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #select: Database.Statement;
  readonly #selectPart: Database.Statement;
  readonly #hashes: Database.Statement;
  readonly #packages: Database.Statement;
  readonly #rows: Database.Statement;
  #change: ChangeQueries | undefined;
  readonly #counts: Database.Statement;
  readonly #present: Database.Statement;

  constructor(handle: SqliteHandle<LayoutSchema>) {
    this.#h = handle;
    this.path = handle.path;
    const { raw, kysely: k } = handle;
    const insert =
      'INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2) VALUES ';
    this.#insert = raw.prepare(`${insert}(?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#insertMany = raw.prepare(
      insert + Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
    );
    this.#delete = raw.prepare('DELETE FROM layout WHERE package_id IN (SELECT value FROM json_each(?))');
    // Ordered by id: entries come back in the order the package listed them.
    this.#select = raw
      .prepare(
        `SELECT package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2 FROM layout
         WHERE package_id IN (SELECT value FROM json_each(?)) ORDER BY package_id, id`,
      )
      .raw(true);
    this.#selectPart = raw
      .prepare(
        `SELECT package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2 FROM layout
         WHERE package_id = ? AND (entry_type = 'regular') = ? ORDER BY id`,
      )
      .raw(true);
    this.#hashes = prepareQuery(
      raw,
      k.selectFrom('layout').select('entry_value1').distinct().where('entry_type', '=', 'regular'),
    ).pluck(true);
    this.#packages = prepareQuery(
      raw,
      k.selectFrom('layout').select('package_id').distinct().orderBy('package_id'),
    ).pluck(true);
    this.#rows = raw
      .prepare(`SELECT ${ROW_COLUMNS} FROM layout WHERE package_id IN (SELECT value FROM json_each(?))`)
      .raw(true);
    this.#present = raw
      .prepare(`SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM layout WHERE package_id = value)`)
      .pluck(true);
    this.#counts = raw
      .prepare(
        `SELECT package_id, count(*) FROM layout WHERE package_id IN (SELECT value FROM json_each(?))
         GROUP BY package_id`,
      )
      .raw(true);
  }

  /**
   * The queries of an in-place change, prepared on first use: they name the partial indexes of
   * migration 20261203000000_change_indexes (INDEXED BY: the planner must not pick the package
   * index and read every file row of the state), which a database the original wrote and we
   * only read (opened read-only, not migrated) does not have.
   */
  #changeQueries(): ChangeQueries {
    if (this.#change !== undefined) return this.#change;
    const raw = this.#h.raw;
    this.#change = {
      structure: raw
        .prepare(
          `SELECT ${ROW_COLUMNS} FROM layout INDEXED BY layout_structure
           WHERE entry_type != 'regular' AND package_id IN (SELECT value FROM json_each(?))`,
        )
        .raw(true),
      filesAt: raw
        .prepare(
          `SELECT ${ROW_COLUMNS} FROM layout INDEXED BY layout_file_target
           WHERE entry_type = 'regular' AND entry_value2 IN (SELECT value FROM json_each(?))`,
        )
        .raw(true),
      filesBetween: raw
        .prepare(
          `SELECT ${ROW_COLUMNS} FROM layout INDEXED BY layout_file_target
           WHERE entry_type = 'regular' AND entry_value2 > ? AND entry_value2 < ?`,
        )
        .raw(true),
    };
    return this.#change;
  }

  /** Every entry of the given packages with its row id, in no particular order. */
  rowsOf(packageIds: Iterable<string>): LayoutRow[] {
    return (this.#rows.all(idList(packageIds)) as unknown[][]).map((r) => toRow(r, this.path));
  }

  /** The directories and symlinks of the given packages (a few thousand for a whole system). */
  structureOf(packageIds: Iterable<string>): LayoutRow[] {
    return (this.#changeQueries().structure.all(idList(packageIds)) as unknown[][]).map((r) =>
      toRow(r, this.path),
    );
  }

  /**
   * Regular files whose layout path is one of `paths`, of the packages in `of` (any package
   * without it). Rows of other packages are dropped before they are decoded: an upgrade's
   * paths are each the old and the new package's, and only kept packages' rows are wanted.
   */
  filesAt(paths: readonly string[], of?: ReadonlySet<string>): LayoutRow[] {
    if (paths.length === 0) return [];
    const out: LayoutRow[] = [];
    for (const r of this.#changeQueries().filesAt.all(JSON.stringify(paths)) as unknown[][]) {
      if (of === undefined || of.has(r[1] as string)) out.push(toRow(r, this.path));
    }
    return out;
  }

  /** Regular files whose layout path lies below `dir/` (at any depth), of the packages in `of`. */
  *filesUnder(dir: string, of?: ReadonlySet<string>): Generator<LayoutRow> {
    // Every path below `dir/` sorts between `dir/` and `dir0` ('0' follows '/').
    for (const r of this.#changeQueries().filesBetween.iterate(`${dir}/`, `${dir}0`) as Iterable<unknown[]>) {
      if (of === undefined || of.has(r[1] as string)) yield toRow(r, this.path);
    }
  }

  /** Which of `packageIds` have layout rows (an index lookup each, not a scan of every row). */
  withLayouts(packageIds: Iterable<string>): Set<string> {
    return new Set((this.#present.all(idList(packageIds)) as string[]) ?? []);
  }

  /** How many layout rows each of the given packages has. */
  rowCounts(packageIds: Iterable<string>): Map<string, number> {
    return new Map(this.#counts.all(idList(packageIds)) as [string, number][]);
  }

  /**
   * Opens one write transaction that layouts are added to one package at a time, and that
   * commits (one fsync) or rolls back as a whole: moss writes each package's rows as its stone
   * finishes unpacking, while the others still unpack, and commits once the assets are on disk.
   * Nothing is visible to other connections, or survives a crash, before `commit()`. No other
   * write may run on this database while it is open.
   */
  openBatch(): LayoutBatch {
    const raw = this.#h.raw;
    const fail = (what: string, cause: unknown): never => {
      throw new SystemError(
        'SYSTEM_DB_WRITE',
        `${this.path}: ${what} failed: ${(cause as Error).message}`,
        { path: this.path, operation: what },
        { cause },
      );
    };
    try {
      raw.prepare('BEGIN IMMEDIATE').run();
    } catch (cause) {
      fail('opening a layout batch', cause);
    }
    let open = true;
    const end = (sql: string, what: string) => {
      if (!open) return;
      open = false;
      try {
        raw.prepare(sql).run();
      } catch (cause) {
        if (raw.inTransaction) raw.prepare('ROLLBACK').run();
        fail(what, cause);
      }
    };
    return {
      add: (packageId, entries) => {
        if (!open) throw new Error('layout batch already ended');
        try {
          this.#insertRows([{ packageId, entries }]);
        } catch (cause) {
          if (cause instanceof SystemError) throw cause;
          fail(`adding the layout of ${packageId}`, cause);
        }
      },
      commit: () => end('COMMIT', 'committing layouts'),
      rollback: () => end('ROLLBACK', 'rolling back layouts'),
    };
  }

  /** Replaces the layout of one package (its old rows go), in one transaction. */
  addLayouts(packageId: string, entries: readonly LayoutEntry[]): void {
    this.addLayoutsBatch([{ packageId, entries }]);
  }

  /** Replaces the layouts of several packages in one transaction: one fsync for the batch. */
  addLayoutsBatch(batch: readonly PackageLayout[]): void {
    writeTransaction(this.#h, 'adding layouts', () => this.#insertRows(batch));
  }

  /** The rows of `batch` (each package's old rows deleted first), inside the caller's transaction. */
  #insertRows(batch: readonly PackageLayout[]): void {
    for (const { packageId } of batch) {
      if (typeof packageId !== 'string' || packageId.length === 0) {
        throw new SystemError(
          'SYSTEM_INVALID_INPUT',
          `${this.path}: a layout batch has an empty package id`,
          {
            path: this.path,
          },
        );
      }
    }
    this.#delete.run(idList(batch.map((b) => b.packageId)));
    const params: unknown[] = [];
    for (const { packageId, entries } of batch) {
      for (const e of entries) {
        let v1: string | null = null;
        let v2: string | null = e.target;
        if (e.type === 'regular') v1 = hexToDecimal(e.hash);
        else if (e.type === 'symlink') v1 = e.source;
        else {
          // The original puts the target in value1 for every other type.
          v1 = e.target;
          v2 = null;
        }
        params.push(packageId, e.uid, e.gid, e.mode, e.tag, TYPE_TO_DB[e.type], v1, v2);
        if (params.length === ROWS_PER_INSERT * 8) {
          this.#insertMany.run(params);
          params.length = 0;
        }
      }
    }
    for (let i = 0; i < params.length; i += 8) this.#insert.run(params.slice(i, i + 8));
  }

  /** Every entry of the given packages, grouped by package, each in stored order. */
  layoutsOf(packageIds: Iterable<string>): Map<string, LayoutEntry[]> {
    // all() rather than the iterator: ≈ 20 % less CPU for 300,000 rows (one call into the addon).
    const out = new Map<string, LayoutEntry[]>();
    let id = '';
    let list: LayoutEntry[] = [];
    for (const row of this.#select.all(idList(packageIds)) as unknown[][]) {
      if (row[0] !== id) {
        id = row[0] as string;
        list = [];
        out.set(id, list);
      }
      list.push(toEntry(row, this.path));
    }
    return out;
  }

  /**
   * Streams `[packageId, entry]` pairs without holding every row in memory at once. While the
   * iterator is open this connection can run no write (a better-sqlite3 rule); finish or
   * `return()` it first.
   */
  *iterateLayouts(packageIds: Iterable<string>): Generator<[string, LayoutEntry]> {
    for (const row of this.#select.iterate(idList(packageIds)) as Iterable<unknown[]>) {
      yield [row[0] as string, toEntry(row, this.path)];
    }
  }

  /**
   * Streams the layouts of `packageIds` as `[packageId, entry]`, every package's directories and
   * symlinks first, then every package's regular files, each part in the order of the ids and
   * then of the rows: what `buildTree(…, { filesLast: true })` takes, so a whole system's tree
   * is built without its 300k rows in memory at once. Same rule as iterateLayouts for writes.
   */
  *iterateLayoutsFilesLast(packageIds: readonly string[]): Generator<[string, LayoutEntry]> {
    for (const files of [0, 1]) {
      for (const id of packageIds) {
        for (const row of this.#selectPart.iterate(id, files) as Iterable<unknown[]>) {
          yield [id, toEntry(row, this.path)];
        }
      }
    }
  }

  /** Package ids that have layout rows. */
  packageIds(): string[] {
    return this.#packages.all() as string[];
  }

  removeLayouts(packageIds: Iterable<string>): void {
    const list = idList(packageIds);
    writeTransaction(this.#h, 'removing layouts', () => {
      this.#delete.run(list);
    });
  }

  /**
   * The distinct content hashes still referenced, as 32 hex digits like `LayoutEntry.hash`
   * (store GC turns them into asset names with `mossAssetName`).
   */
  referencedHashes(): Set<string> {
    const out = new Set<string>();
    for (const v of this.#hashes.all('regular') as (string | null)[])
      if (v !== null) out.add(decimalToHex(v));
    return out;
  }

  close(): Promise<void> {
    return closeSqlite(this.#h);
  }
}

function toRow(row: unknown[], path: string): LayoutRow {
  return { id: row[0] as number, packageId: row[1] as string, entry: toEntry(row.slice(1), path) };
}

function toEntry(row: unknown[], path: string): LayoutEntry {
  const [, uid, gid, mode, tag, dbType, v1, v2] = row as [
    string,
    number,
    number,
    number,
    number,
    string,
    string | null,
    string | null,
  ];
  const type = TYPE_FROM_DB.get(dbType);
  if (type === undefined) {
    throw new SystemError(
      'SYSTEM_DB_BAD_ROW',
      `${path}: layout row of package ${row[0]} has unknown type "${dbType}"`,
      {
        path,
        package: row[0],
        entryType: dbType,
      },
    );
  }
  if (type === 'regular')
    return { uid, gid, mode, tag, type, hash: decimalToHex(v1 ?? '0'), target: v2 ?? '' };
  if (type === 'symlink') return { uid, gid, mode, tag, type, source: v1 ?? '', target: v2 ?? '' };
  return { uid, gid, mode, tag, type, target: v1 ?? v2 ?? '' };
}

export async function openLayoutDb(path: string, options: OpenSqliteOptions = {}): Promise<LayoutDb> {
  return new LayoutDb(await openSqlite<LayoutSchema>(path, LAYOUT_MIGRATIONS, 'serpent_migration', options));
}
