import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import type { PackageMeta } from '@serpent/stone';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openMetaDb, type StoredPackage } from '../src/db/meta-db.js';
import { tempDir } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function db(file = 'install') {
  const t = tempDir();
  cleanups.push(t.remove);
  const path = join(t.dir, '.moss', 'db', file);
  const m = await openMetaDb(path);
  cleanups.push(() => m.close());
  return { m, path, dir: t.dir };
}

function pkg(name: string, extra: Partial<PackageMeta> = {}): PackageMeta {
  return {
    name,
    version: '1.2.3',
    release: 4,
    buildRelease: 1,
    architecture: 'x86_64',
    summary: `the ${name} package`,
    description: `all about ${name}`,
    homepage: `https://example.org/${name}`,
    sourceId: name,
    licenses: ['MIT'],
    depends: [{ kind: 'soname', name: 'libc.so.6(x86_64)' }],
    provides: [
      { kind: 'binary', name },
      { kind: 'soname', name: `lib${name}.so.1(x86_64)` },
    ],
    conflicts: [],
    ...extra,
  };
}

describe('meta DB', () => {
  it('round-trips a package with its licences, dependencies, providers, conflicts and index fields', async () => {
    const { m } = await db();
    const meta = pkg('nano', {
      licenses: ['Apache-2.0', 'GPL-3.0-or-later'],
      depends: [
        { kind: 'pkgconfig', name: 'ncursesw' },
        { kind: 'soname', name: 'libc.so.6(x86_64)' },
      ],
      conflicts: [{ kind: 'name', name: 'pico' }],
      packageUri: 'n/nano/nano-1.2.3-4-1-x86_64.stone',
      packageHash: 'ab'.repeat(32),
      packageSize: 123456,
    });
    m.addPackages([{ id: 'id-nano', meta }]);
    expect(m.getPackage('id-nano')).toEqual({ id: 'id-nano', meta });
    expect(m.getPackage('missing')).toBeUndefined();
  });

  it('stores the implicit name() provider, as the original does, and finds packages by provider', async () => {
    const { m } = await db();
    m.addPackages([
      { id: 'a', meta: pkg('alpha') },
      { id: 'b', meta: pkg('beta', { provides: [{ kind: 'binary', name: 'alpha' }] }) },
    ]);
    expect(m.findByProvider('name(alpha)')).toEqual(['a']);
    expect(m.findByProvider({ kind: 'binary', name: 'alpha' })).toEqual(['a', 'b']);
    expect(m.findByProvider('soname(libbeta.so.1(x86_64))')).toEqual([]);
    expect(m.findByProvider('soname(libalpha.so.1(x86_64))')).toEqual(['a']);
    // ...but the model read back is the stone model, which leaves name() implicit.
    expect(m.getPackage('a')?.meta.provides.some((p) => p.kind === 'name')).toBe(false);
  });

  it('replaces a package added again under the same id instead of merging its lists', async () => {
    const { m } = await db();
    m.addPackages([{ id: 'a', meta: pkg('alpha', { licenses: ['MIT', 'BSD-2-Clause'] }) }]);
    m.addPackages([{ id: 'a', meta: pkg('alpha', { licenses: ['Zlib'], version: '2.0' }) }]);
    expect(m.getPackage('a')?.meta).toMatchObject({ version: '2.0', licenses: ['Zlib'] });
    expect(m.listPackages()).toHaveLength(1);
  });

  it('removes packages together with every child row', async () => {
    const { m, path } = await db();
    m.addPackages([
      { id: 'a', meta: pkg('alpha') },
      { id: 'b', meta: pkg('beta') },
    ]);
    m.removePackages(['a']);
    expect(m.listPackages().map((p) => p.id)).toEqual(['b']);
    expect(m.findByProvider('name(alpha)')).toEqual([]);
    const raw = new Database(path, { readonly: true });
    for (const t of ['meta_licenses', 'meta_dependencies', 'meta_providers', 'meta_conflicts']) {
      expect(raw.prepare(`SELECT count(*) AS n FROM ${t} WHERE package = 'a'`).get()).toEqual({ n: 0 });
    }
    raw.close();
  });

  it('lists packages by name and searches name and summary, taking % and _ literally', async () => {
    const { m } = await db();
    m.addPackages([
      { id: '3', meta: pkg('zlib') },
      { id: '1', meta: pkg('bash', { summary: 'The GNU shell, 100% POSIX' }) },
      { id: '2', meta: pkg('glib_2') },
    ]);
    expect(m.listPackages().map((p) => p.meta.name)).toEqual(['bash', 'glib_2', 'zlib']);
    expect(m.search('LIB').map((p) => p.id)).toEqual(['2', '3']);
    expect(m.search('100%').map((p) => p.id)).toEqual(['1']);
    expect(m.search('b_').map((p) => p.id)).toEqual(['2']);
    expect(m.search('nothing')).toEqual([]);
  });

  it('keeps what it committed across a reopen, and opens at any path (a repository DB)', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const path = join(t.dir, '.moss', 'repo', '0123abcd', 'db');
    const first = await openMetaDb(path);
    const packages: StoredPackage[] = [{ id: 'x', meta: pkg('xz') }];
    first.replaceAll(packages);
    first.replaceAll([{ id: 'y', meta: pkg('yasm') }]);
    await first.close();
    const again = await openMetaDb(path);
    cleanups.push(() => again.close());
    expect(again.listPackages().map((p) => p.id)).toEqual(['y']);
  });

  it('rejects a package without an id before writing anything', async () => {
    const { m } = await db();
    expect(() =>
      m.addPackages([
        { id: 'a', meta: pkg('alpha') },
        { id: '', meta: pkg('beta') },
      ]),
    ).toThrow(expect.objectContaining({ code: 'SYSTEM_INVALID_INPUT' }));
    expect(m.listPackages()).toEqual([]);
  });

  it('adopts a meta DB written by the original moss (same tables, Diesel bookkeeping)', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const path = join(t.dir, 'install');
    const raw = new Database(path);
    // The original's schema text, as its Diesel migration creates it, and like the original
    // without foreign keys (better-sqlite3 turns them on by default).
    raw.pragma('foreign_keys = OFF');
    raw.exec(`
      CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
      INSERT INTO __diesel_schema_migrations (version) VALUES ('20240303165811');
      CREATE TABLE IF NOT EXISTS meta (package TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, version_identifier TEXT NOT NULL,
        source_release INT NOT NULL, build_release INT NOT NULL, architecture TEXT NOT NULL, summary TEXT NOT NULL,
        description TEXT NOT NULL, source_id TEXT NOT NULL, homepage TEXT NOT NULL, uri TEXT, hash TEXT, download_size BIGINT);
      CREATE TABLE IF NOT EXISTS meta_licenses (package TEXT NOT NULL, license TEXT NOT NULL, PRIMARY KEY (package, license),
        FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
      CREATE TABLE IF NOT EXISTS meta_dependencies (package TEXT NOT NULL, dependency TEXT NOT NULL, PRIMARY KEY (package, dependency),
        FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
      CREATE TABLE IF NOT EXISTS meta_providers (package TEXT NOT NULL, provider TEXT NOT NULL, PRIMARY KEY (package, provider),
        FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
      CREATE TABLE IF NOT EXISTS meta_conflicts (package TEXT NOT NULL, conflict TEXT NOT NULL, PRIMARY KEY (package, conflict),
        FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
      INSERT INTO meta VALUES ('h1', 'nano', '8.0', 3, 1, 'x86_64', 's', 'd', 'nano', 'https://nano-editor.org', NULL, NULL, NULL);
      INSERT INTO meta_providers VALUES ('h1', 'name(nano)'), ('h1', 'binary(nano)');
      INSERT INTO meta_dependencies VALUES ('h1', 'soname(libncursesw.so.6(x86_64))');
      -- an orphan the original can leave behind (it never enabled foreign keys)
      INSERT INTO meta_licenses VALUES ('gone', 'MIT');
    `);
    raw.close();
    const m = await openMetaDb(path);
    cleanups.push(() => m.close());
    expect(m.getPackage('h1')?.meta).toMatchObject({
      name: 'nano',
      version: '8.0',
      release: 3,
      provides: [{ kind: 'binary', name: 'nano' }],
      depends: [{ kind: 'soname', name: 'libncursesw.so.6(x86_64)' }],
    });
    expect(m.findByProvider('binary(nano)')).toEqual(['h1']);
    m.addPackages([{ id: 'gone', meta: pkg('gone', { licenses: ['Zlib'] }) }]);
    expect(m.getPackage('gone')?.meta.licenses).toEqual(['Zlib']);
  });

  it('refuses a DB migrated by a newer version with SYSTEM_DB_MIGRATION naming the migration', async () => {
    const { m, path } = await db();
    await m.close();
    cleanups.pop();
    const raw = new Database(path);
    raw
      .prepare("INSERT INTO serpent_migration (name, timestamp) VALUES ('29990101000000_from_the_future', ?)")
      .run(new Date().toISOString());
    raw.close();
    const err = await openMetaDb(path).catch((e: unknown) => e);
    expect(hasCode(err, 'SYSTEM_DB_MIGRATION')).toBe(true);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('29990101000000_from_the_future');
  });

  it('refuses a file that is not SQLite with SYSTEM_DB_OPEN naming it', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const path = join(t.dir, 'install');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'this is not a database, just some text long enough to have a header'.repeat(10));
    const err = await openMetaDb(path).catch((e: unknown) => e);
    expect(hasCode(err, 'SYSTEM_DB_OPEN')).toBe(true);
    expect((err as Error).message).toContain(path);
  });
});
