import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../src/db/state-db.js';
import { openSystemDbs, systemDbPaths } from '../src/db/system-dbs.js';
import { finished, spawnFixture, tempDir } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function db() {
  const t = tempDir();
  cleanups.push(t.remove);
  const s = await openStateDb(join(t.dir, 'state'));
  cleanups.push(() => s.close());
  return s;
}

describe('state DB', () => {
  it('records a state with its selections and reads it back', async () => {
    const s = await db();
    const created = new Date('2026-11-23T04:00:00Z');
    const id = s.addState({
      summary: 'Install',
      description: 'moss install nano',
      created,
      selections: [
        { packageId: 'nano', explicit: true, reason: 'moss install nano' },
        { packageId: 'ncurses', explicit: false, reason: 'nano' },
        { packageId: 'glibc', explicit: false },
      ],
    });
    expect(s.getState(id)).toEqual({
      id,
      type: 'transaction',
      created,
      summary: 'Install',
      description: 'moss install nano',
      selections: [
        { packageId: 'glibc', explicit: false },
        { packageId: 'nano', explicit: true, reason: 'moss install nano' },
        { packageId: 'ncurses', explicit: false, reason: 'nano' },
      ],
      repositories: [],
    });
    expect(s.getState(id + 1)).toBeUndefined();
  });

  it('records the repositories a state was resolved against, and removes them with it', async () => {
    const s = await db();
    const repositories = [
      {
        name: 'volatile',
        uri: 'https://example.invalid/v/stone.index',
        priority: 0,
        indexSha256: 'a'.repeat(64),
      },
      { name: 'local', uri: 'file:///srv/repo/stone.index', priority: 10 },
    ];
    const id = s.addState({
      summary: 'Install',
      selections: [{ packageId: 'x', explicit: true }],
      repositories,
    });
    expect(s.getState(id)?.repositories).toEqual([repositories[1], repositories[0]]);
    const next = s.addState({ summary: 'Sync', selections: [] });
    expect(s.getState(next)?.repositories).toEqual([]);
    s.removeStates([id]);
    const raw = new Database(s.path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM state_repositories').pluck().get()).toBe(0);
    raw.close();
  });

  it('never reuses the id of a removed state', async () => {
    const s = await db();
    const a = s.addState({ summary: 'Install', selections: [] });
    const b = s.addState({ summary: 'Remove', selections: [{ packageId: 'x', explicit: true }] });
    expect(b).toBe(a + 1);
    s.removeStates([b]);
    const c = s.addState({ summary: 'Sync', selections: [] });
    expect(c).toBe(b + 1);
    expect(s.listStates().map((x) => [x.id, x.summary])).toEqual([
      [a, 'Install'],
      [c, 'Sync'],
    ]);
    expect(s.getState(b)).toBeUndefined();
  });

  it('records under an id chosen by the engine, only above every id used so far', async () => {
    const s = await db();
    expect(s.maxStateId()).toBe(0);
    const a = s.addState({ selections: [] });
    expect(s.addState({ id: 7, summary: 'Install', selections: [{ packageId: 'x', explicit: true }] })).toBe(
      7,
    );
    expect(s.maxStateId()).toBe(7);
    expect(s.getState(7)?.selections).toEqual([{ packageId: 'x', explicit: true }]);
    s.removeStates([7]);
    expect(s.maxStateId()).toBe(7);
    for (const id of [a, 7, 5]) {
      expect(() => s.addState({ id, selections: [] })).toThrow(
        expect.objectContaining({ code: 'SYSTEM_INVALID_INPUT' }),
      );
    }
    expect(s.addState({ selections: [] })).toBe(8);
  });

  it('rejects a package selected twice and records nothing', async () => {
    const s = await db();
    expect(() =>
      s.addState({
        selections: [
          { packageId: 'x', explicit: true },
          { packageId: 'x', explicit: false },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'SYSTEM_INVALID_INPUT' }));
    expect(s.listStates()).toEqual([]);
  });

  it('a state committed just before the process is SIGKILLed is there afterwards', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const child = spawnFixture('record-state-then-die.ts', [t.dir]);
    const out = await finished(child);
    expect(out.stderr).toBe('');
    const id = Number(out.stdout.trim());
    expect(id).toBeGreaterThan(0);
    const dbs = await openSystemDbs(t.dir);
    cleanups.push(() => dbs.close());
    expect(dbs.state.getState(id)?.selections).toEqual([{ packageId: 'nano', explicit: true }]);
    expect(systemDbPaths(t.dir).state).toBe(join(t.dir, '.moss', 'db', 'state'));
    // The journal mode is a property of the file: check it from an independent connection.
    // The original's rollback journal, not WAL (whose -shm index cannot be made on a full disk).
    for (const path of Object.values(systemDbPaths(t.dir))) {
      const raw = new Database(path, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true }), path).toBe('delete');
      raw.close();
    }
  });
});
