import { join } from 'node:path';
import type { LayoutEntry } from '@serpent/stone';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLayoutDb } from '../src/db/layout-db.js';
import { tempDir } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function db() {
  const t = tempDir();
  cleanups.push(t.remove);
  const path = join(t.dir, '.moss', 'db', 'layout');
  const l = await openLayoutDb(path);
  cleanups.push(() => l.close());
  return { l, path };
}

const common = { uid: 0, gid: 0, tag: 0 };
const HASH_A = '0000000000000000000000000000abcd'; // leading zeros: the decimal form drops them
const HASH_B = 'ffffffffffffffffffffffffffffffff';
const every: LayoutEntry[] = [
  { ...common, mode: 0o40755, type: 'directory', target: 'bin' },
  { ...common, mode: 0o100755, type: 'regular', hash: HASH_B, target: 'bin/nano' },
  { ...common, mode: 0o100644, type: 'regular', hash: HASH_A, target: 'share/nano/empty' },
  { ...common, mode: 0o120777, type: 'symlink', source: 'nano', target: 'bin/pico' },
  { ...common, mode: 0o20644, type: 'char-device', target: 'lib/dev/null' },
  { ...common, mode: 0o60644, type: 'block-device', target: 'lib/dev/sda' },
  { ...common, mode: 0o10644, type: 'fifo', target: 'lib/dev/fifo' },
  { uid: 1000, gid: 100, mode: 0o140644, tag: 7, type: 'socket', target: 'lib/dev/sock' },
];

describe('layout DB', () => {
  it('round-trips every entry type in the order given', async () => {
    const { l } = await db();
    l.addLayouts('nano', every);
    expect(l.layoutsOf(['nano'])).toEqual(new Map([['nano', every]]));
    expect(l.layoutsOf(['other']).size).toBe(0);
  });

  it('writes a batch one package at a time, visible to no one before the commit', async () => {
    const { l, path } = await db();
    l.addLayouts('old', every.slice(0, 2));
    const batch = l.openBatch();
    batch.add('nano', every);
    batch.add('old', every.slice(2, 3));
    const other = new Database(path, { readonly: true });
    const count = () => (other.prepare('SELECT count(*) AS n FROM layout').get() as { n: number }).n;
    expect(count()).toBe(2);
    batch.commit();
    expect(count()).toBe(every.length + 1);
    other.close();
    expect(l.layoutsOf(['nano', 'old'])).toEqual(
      new Map([
        ['nano', every],
        ['old', every.slice(2, 3)],
      ]),
    );
    batch.rollback(); // a no-op once committed
  });

  it('rolls a batch back as a whole', async () => {
    const { l } = await db();
    l.addLayouts('old', every.slice(0, 2));
    const batch = l.openBatch();
    batch.add('nano', every);
    batch.add('old', []);
    batch.rollback();
    expect([...l.layoutsOf(['nano', 'old']).keys()]).toEqual(['old']);
    expect(() => batch.add('x', every)).toThrow(/already ended/);
    // The connection takes writes again.
    l.addLayouts('x', every.slice(0, 1));
    expect(l.packageIds()).toEqual(['old', 'x']);
  });

  it('stores rows the way the original moss does (decimal u128 hashes, its type names)', async () => {
    const { l, path } = await db();
    l.addLayouts('nano', every);
    const raw = new Database(path, { readonly: true });
    const rows = raw.prepare('SELECT entry_type, entry_value1, entry_value2 FROM layout ORDER BY id').all();
    raw.close();
    expect(rows.slice(1, 5)).toEqual([
      { entry_type: 'regular', entry_value1: BigInt(`0x${HASH_B}`).toString(), entry_value2: 'bin/nano' },
      { entry_type: 'regular', entry_value1: '43981', entry_value2: 'share/nano/empty' },
      { entry_type: 'symlink', entry_value1: 'nano', entry_value2: 'bin/pico' },
      { entry_type: 'character-device', entry_value1: 'lib/dev/null', entry_value2: null },
    ]);
  });

  it('groups several packages and replaces a package written again', async () => {
    const { l } = await db();
    l.addLayoutsBatch([
      { packageId: 'a', entries: every.slice(0, 2) },
      { packageId: 'b', entries: every.slice(2, 4) },
    ]);
    l.addLayouts('a', every.slice(5, 6));
    const got = l.layoutsOf(['a', 'b', 'missing']);
    expect(got.get('a')).toEqual(every.slice(5, 6));
    expect(got.get('b')).toEqual(every.slice(2, 4));
    expect([...l.iterateLayouts(['b'])].map(([id, e]) => `${id}:${e.target}`)).toEqual([
      'b:share/nano/empty',
      'b:bin/pico',
    ]);
    expect(l.packageIds()).toEqual(['a', 'b']);
  });

  it('lists the hashes still referenced for GC, and forgets removed packages', async () => {
    const { l } = await db();
    l.addLayouts('a', every);
    l.addLayouts('b', [{ ...common, mode: 0o100644, type: 'regular', hash: HASH_A, target: 'x' }]);
    expect(l.referencedHashes()).toEqual(new Set([HASH_A, HASH_B]));
    l.removeLayouts(['a']);
    expect(l.referencedHashes()).toEqual(new Set([HASH_A]));
    l.removeLayouts(['b']);
    expect(l.referencedHashes()).toEqual(new Set());
    expect(l.packageIds()).toEqual([]);
  });

  it('reads back a layout table written by the original moss', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const path = join(t.dir, 'layout');
    const raw = new Database(path);
    raw.exec(`
      CREATE TABLE IF NOT EXISTS layout (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, package_id TEXT NOT NULL,
        uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL, tag INTEGER NOT NULL,
        entry_type TEXT NOT NULL, entry_value1 TEXT, entry_value2 TEXT);
      INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2)
        VALUES ('p', 0, 0, 33188, 0, 'regular', '43981', 'share/x'), ('p', 0, 0, 16877, 0, 'directory', 'share', NULL);
    `);
    raw.close();
    const l = await openLayoutDb(path);
    cleanups.push(() => l.close());
    expect(l.layoutsOf(['p']).get('p')).toEqual([
      { ...common, mode: 33188, type: 'regular', hash: HASH_A, target: 'share/x' },
      { ...common, mode: 16877, type: 'directory', target: 'share' },
    ]);
  });

  it('rolls back a whole batch when one row is bad', async () => {
    const { l } = await db();
    l.addLayouts('a', every.slice(0, 1));
    const bad = { ...common, mode: 0o100644, type: 'regular', hash: 'not hex', target: 'x' } as LayoutEntry;
    expect(() =>
      l.addLayoutsBatch([
        { packageId: 'a', entries: every },
        { packageId: 'b', entries: [bad] },
      ]),
    ).toThrow();
    expect(l.layoutsOf(['a', 'b'])).toEqual(new Map([['a', every.slice(0, 1)]]));
  });
});
