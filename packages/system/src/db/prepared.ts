import type Database from 'better-sqlite3';
import { type Compilable, type RawBuilder, sql } from 'kysely';

/**
 * Prepares a kysely-built query once, for reuse with new parameters in the same positions.
 * kysely builds the SQL (typed against the schema); better-sqlite3 runs it synchronously with a
 * cached statement. Going through kysely's async executor instead prepares the statement again
 * on every call and costs a promise per query.
 */
export function prepareQuery(raw: Database.Database, query: Compilable): Database.Statement {
  return raw.prepare(query.compile().sql);
}

/** Binds a list of ids as one parameter: `... IN (SELECT value FROM json_each(?))`. */
export function idList(ids: Iterable<string>): string {
  return JSON.stringify([...ids]);
}

/** `column IN (the ids bound as one JSON parameter)`, for kysely `where()`; bind with {@link idList}. */
export function inIdList(column: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} IN (SELECT value FROM json_each(${''}))`;
}
