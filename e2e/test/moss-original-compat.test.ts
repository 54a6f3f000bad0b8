import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatDependency, type PackageMeta, StoneReader, xxh3_64, xxh3_128 } from '@serpent/stone';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MOSS_BUILT, moss } from './support/paths.js';
import { makeStone, type StoneSpec } from './support/stones.js';

// Issue 14, A: our moss and the original Rust moss on one root, both ways, without the
// original: (1) a root built here exactly as the original writes it (its DDL, Diesel's table,
// `.stateID` without a newline, asset and download names, its repository cache) is read,
// verified and extended by our moss; (2) a root our moss writes holds exactly what the
// original parses. Section numbers are those of the reference (moss.md).
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping the original-compatibility e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-compat-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---- The original's formats, written down here independently of our code (moss.md §3) ----

/** The original's migrations (moss/src/db/*\/migrations/*\/up.sql), and Diesel's table. */
const DDL = {
  meta: [
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
    ...['license', 'dependency', 'provider', 'conflict'].map(
      (c) => `CREATE TABLE IF NOT EXISTS meta_${c === 'dependency' ? 'dependencies' : `${c}s`} (
    package TEXT NOT NULL,
    ${c} TEXT NOT NULL,
    PRIMARY KEY (package, ${c}),
    FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE
)`,
    ),
  ],
  layout: [
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
  ],
  state: [
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
  ],
};
const DIESEL_TABLE = `CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;
const DIESEL_VERSION = { meta: '20240303165811', layout: '20240304192634', state: '20240304201550' };
const TABLES = {
  meta: ['meta', 'meta_licenses', 'meta_dependencies', 'meta_providers', 'meta_conflicts'],
  layout: ['layout'],
  state: ['state', 'state_selections'],
};

/** A DB as the original's first open makes it: Diesel's table, its migration, its row. */
function originalDb(path: string, kind: keyof typeof DDL): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('foreign_keys = OFF'); // the original never turns them on (moss.md §3)
  db.exec(DIESEL_TABLE);
  for (const s of DDL[kind]) db.exec(s);
  db.prepare('INSERT INTO __diesel_schema_migrations (version) VALUES (?)').run(DIESEL_VERSION[kind]);
  return db;
}

/** §2.1: the xxh3-128 as lowercase hex without zero padding (`{:02x}` on a u128). */
const assetName = (hex: string) => BigInt(`0x${hex}`).toString(16).padStart(2, '0');
/** §2.1: `assets/v2/x[0..2]/x[2..4]/x[4..6]/x`, or directly under v2/ below 10 characters. */
const assetPath = (root: string, hex: string) => {
  const x = assetName(hex);
  return x.length >= 10
    ? join(root, '.moss/assets/v2', x.slice(0, 2), x.slice(2, 4), x.slice(4, 6), x)
    : join(root, '.moss/assets/v2', x);
};
/** §2.1: `cache/downloads/v1/<h[0..5]>/<h[-5..]>/<sha256>`. */
const downloadPath = (root: string, sha: string) =>
  join(root, '.moss/cache/downloads/v1', sha.slice(0, 5), sha.slice(-5), sha);
/** §2.1: `repo/<xxh3_64("moss-<uri>") as {:02x}>`. */
const repoCacheDir = async (root: string, uri: string) =>
  join(
    root,
    '.moss/repo',
    BigInt(`0x${await xxh3_64(new TextEncoder().encode(`moss-${uri}`))}`)
      .toString(16)
      .padStart(2, '0'),
  );
/** §2.2: the original reads `/usr/.stateID` as `read_to_string(..).parse::<i32>()`. */
const originalStateId = (root: string): number | undefined => {
  const text = readFileSync(join(root, 'usr/.stateID'), 'utf8');
  return /^[+-]?\d+$/.test(text) && Math.abs(Number(text)) < 2 ** 31 ? Number(text) : undefined;
};
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Pkg {
  readonly spec: StoneSpec;
  path: string;
  id: string;
  meta: PackageMeta;
}

/** Everything the original writes for one state with `pkgs`, from repository `index`. */
async function writeOriginalRoot(
  root: string,
  pkgs: Pkg[],
  repo: { id: string; uri: string; dir: string; all: Pkg[] },
) {
  const meta = originalDb(join(root, '.moss/db/install'), 'meta');
  const layout = originalDb(join(root, '.moss/db/layout'), 'layout');
  const state = originalDb(join(root, '.moss/db/state'), 'state');
  const insertMeta = (db: Database.Database, p: Pkg, uri: string) => {
    const m = p.meta;
    db.prepare('INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      p.id,
      m.name,
      m.version,
      m.release,
      m.buildRelease,
      m.architecture,
      m.summary,
      m.description,
      m.sourceId,
      m.homepage,
      uri,
      p.id,
      statSync(p.path).size,
    );
    for (const l of m.licenses) db.prepare('INSERT INTO meta_licenses VALUES (?, ?)').run(p.id, l);
    for (const d of m.depends)
      db.prepare('INSERT INTO meta_dependencies VALUES (?, ?)').run(p.id, formatDependency(d));
    for (const d of [`name(${m.name})`, ...m.provides.map(formatDependency)])
      db.prepare('INSERT INTO meta_providers VALUES (?, ?)').run(p.id, d);
  };
  const rel = (p: Pkg) => relative(repo.dir, p.path);
  mkdirSync(join(root, 'usr'), { recursive: true });
  for (const p of pkgs) {
    // §3.1: the install DB keeps the absolute URL, resolved against the index URL.
    insertMeta(meta, p, new URL(rel(p), repo.uri).href);
    mkdirSync(dirname(downloadPath(root, p.id)), { recursive: true });
    copyFileSync(p.path, downloadPath(root, p.id));
    const stone = await StoneReader.open(p.path);
    const entries = await stone.layout();
    await stone.close();
    for (const e of entries) {
      // §3.2: regular → (decimal u128, target); symlink → (source, target); others → (target, NULL).
      const [type, v1, v2] =
        e.type === 'regular'
          ? ['regular', BigInt(`0x${e.hash}`).toString(10), e.target]
          : e.type === 'symlink'
            ? ['symlink', e.source, e.target]
            : ['directory', e.target, null];
      layout
        .prepare(
          'INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(p.id, e.uid, e.gid, e.mode, e.tag, type, v1, v2);
      const dest = join(root, 'usr', e.target);
      mkdirSync(dirname(dest), { recursive: true });
      if (e.type === 'directory') mkdirSync(dest, { recursive: true });
      else if (e.type === 'symlink') symlinkSync(e.source, dest);
      else if (e.type === 'regular') {
        const asset = assetPath(root, e.hash);
        if (!existsSync(asset)) {
          mkdirSync(dirname(asset), { recursive: true });
          writeFileSync(asset, contentOf(p, e.target));
          chmodSync(asset, e.mode & 0o7777); // §4.3: the blit chmods the store inode
        }
        linkSync(asset, dest);
      }
    }
  }
  // §3.3: Diesel inserts no `created` (the column's default), booleans as 0/1.
  const { lastInsertRowid } = state
    .prepare("INSERT INTO state (type, summary) VALUES ('transaction', 'Install')")
    .run();
  for (const p of pkgs)
    state
      .prepare('INSERT INTO state_selections VALUES (?, ?, ?, NULL)')
      .run(lastInsertRowid, p.id, p === pkgs[0] ? 1 : 0);
  for (const db of [meta, layout, state]) db.close();
  // §2.2: digits only; the hard-coded os-release; root symlinks.
  writeFileSync(join(root, 'usr/.stateID'), String(lastInsertRowid));
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/os-release'), 'NAME="Serpent OS"\nVERSION="0.24.6"\nID="serpentos"\n');
  for (const [l, t] of [
    ['bin', 'usr/bin'],
    ['sbin', 'usr/sbin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib'],
    ['lib32', 'usr/lib32'],
  ])
    symlinkSync(t!, join(root, l!));
  // §2.1: the rest of .moss as the original's first open leaves it.
  for (const d of ['root/staging', 'root/isolation', 'cache'])
    mkdirSync(join(root, '.moss', d), { recursive: true });
  writeFileSync(
    join(root, '.moss/cache/CACHEDIR.TAG'),
    'Signature: 8a477f597d28d172789f06886806bc55\n# moss',
  );
  writeFileSync(join(root, '.moss/.moss-lockfile'), '');
  // §5.1 and §5.3: the repository config, and its cache as `repo add` left it (index + meta DB
  // with relative URIs, and nothing of ours).
  mkdirSync(join(root, 'etc/moss/repo.d'), { recursive: true });
  writeFileSync(
    join(root, `etc/moss/repo.d/${repo.id}.yaml`),
    `${repo.id}:\n  description: '...'\n  uri: ${repo.uri}\n  priority: 0\n  active: true\n`,
  );
  const cache = await repoCacheDir(root, repo.uri);
  const repoDb = originalDb(join(cache, 'db'), 'meta');
  for (const p of repo.all) insertMeta(repoDb, p, rel(p));
  repoDb.close();
  copyFileSync(join(repo.dir, 'stone.index'), join(cache, 'stone.index'));
}

const contents = new Map<string, Map<string, string>>();
function contentOf(p: Pkg, target: string): string {
  const c = contents.get(p.spec.name)?.get(target);
  if (c === undefined) throw new Error(`no content for ${target}`);
  return c;
}

/** A file content whose XXH3-128 starts with a zero nibble: its asset name is unpadded (§2.1). */
async function leadingZeroContent(): Promise<string> {
  for (let i = 0; ; i++) {
    const text = `zero ${i}\n`;
    if ((await xxh3_128(new TextEncoder().encode(text))).startsWith('0')) return text;
  }
}

/** Everything under `.moss` and `usr` with the SHA-256 of each file: what "unchanged" means. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) {
        out[`${relative(root, p)}/`] = 'dir';
        walk(p);
      } else if (d.isSymbolicLink()) out[relative(root, p)] = `-> ${readlinkSync(p)}`;
      else out[relative(root, p)] = sha256(p);
    }
  };
  walk(join(root, '.moss'));
  walk(join(root, 'usr'));
  return out;
}

const pkgs: Record<string, Pkg> = {};
let repoDir = '';
let repoUri = '';
beforeAll(async () => {
  if (skip) return;
  repoDir = join(work, 'repo');
  mkdirSync(join(repoDir, 'l'), { recursive: true });
  const specs: StoneSpec[] = [
    {
      name: 'hello',
      depends: ['soname(libgreet.so.1(x86_64))'],
      files: {
        'bin/hello': { content: '#!/bin/sh\necho hello\n', mode: 0o755 },
        'share/doc/hello/README': 'hi\n',
      },
      dirs: ['share/doc/hello'],
    },
    {
      name: 'libgreet',
      provides: ['soname(libgreet.so.1(x86_64))'],
      files: { 'lib/libgreet.so.1': 'not ELF\n', 'share/greet/zero': await leadingZeroContent() },
      symlinks: { 'lib/libgreet.so': 'libgreet.so.1' },
    },
    {
      name: 'extra',
      provides: ['binary(extra)'],
      files: { 'bin/extra': { content: 'extra\n', mode: 0o755 } },
    },
  ];
  for (const spec of specs) {
    const path = await makeStone(join(repoDir, 'l'), spec);
    const stone = await StoneReader.open(path);
    pkgs[spec.name] = { spec, path, id: sha256(path), meta: await stone.meta() };
    await stone.close();
    contents.set(
      spec.name,
      new Map(
        Object.entries(spec.files ?? {}).map(([t, f]) => [t, typeof f === 'string' ? f : (f.content ?? '')]),
      ),
    );
  }
  expect(moss(['index', repoDir]).status).toBe(0);
  repoUri = pathToFileURL(join(repoDir, 'stone.index')).href;
});

describe.skipIf(skip !== undefined)('a root the original moss wrote, read and extended by ours', () => {
  let root = '';
  beforeAll(async () => {
    root = join(work, 'original-root');
    mkdirSync(root);
    await writeOriginalRoot(root, [pkgs.hello!, pkgs.libgreet!], {
      id: 'volatile',
      uri: repoUri,
      dir: repoDir,
      all: Object.values(pkgs),
    });
  });

  it('§2.2 §3: lists, shows, searches and verifies it clean, and read-only commands change no byte (§4.1, A3)', () => {
    const before = snapshot(root);
    const list = moss(['-D', root, 'list', 'installed', '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect(
      (JSON.parse(list.stdout) as { name: string; explicit: boolean }[]).map((p) => [p.name, p.explicit]),
    ).toEqual([
      ['hello', true],
      ['libgreet', false],
    ]);
    const info = moss(['-D', root, 'info', '-f', 'libgreet']);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain('Installed (as a dependency)');
    expect(info.stdout).toContain('/usr/lib/libgreet.so -> libgreet.so.1');
    const states = JSON.parse(moss(['-D', root, 'state', 'list', '--json']).stdout) as {
      id: number;
      active: boolean;
    }[];
    expect(states.map((s) => [s.id, s.active])).toEqual([[1, true]]);
    const verify = moss(['-D', root, 'state', 'verify']);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('No issues found');
    expect(moss(['-D', root, 'search', '-i', 'greet']).stdout).toContain('libgreet');
    expect(moss(['-D', root, 'repo', 'list']).status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it('§5.3 (A2): installs from the repository the original cached, without `repo update`, and extends its state', () => {
    const avail = moss(['-D', root, 'info', 'extra']);
    expect(avail.stdout).toContain('Not installed (available from volatile)');
    const r = moss(['-D', root, 'install', 'extra', '-y']);
    expect(r.status, r.stderr).toBe(0);
    expect(originalStateId(root)).toBe(2);
    expect(readFileSync(join(root, 'usr/.stateID'), 'utf8')).toBe('2');
    const list = JSON.parse(moss(['-D', root, 'list', 'installed', '--json']).stdout) as { name: string }[];
    expect(list.map((p) => p.name)).toEqual(['extra', 'hello', 'libgreet']);
    // The old tree is archived where the original's `state activate` looks for it (§4.5).
    expect(readFileSync(join(root, '.moss/root/1/usr/.stateID'), 'utf8')).toBe('1');
    expect(existsSync(downloadPath(root, pkgs.extra!.id))).toBe(true);
    expect(moss(['-D', root, 'state', 'verify']).status).toBe(0);
  });

  it('§3 (A3): after our writes the original still finds its own schema, its migration applied, and rows it parses', () => {
    for (const [file, kind] of [
      ['install', 'meta'],
      ['layout', 'layout'],
      ['state', 'state'],
    ] as const) {
      const db = new Database(join(root, '.moss/db', file), { readonly: true });
      for (const [i, table] of TABLES[kind].entries()) {
        const sql = db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(table) as string;
        expect(sql.replace(/\s+/g, ' ')).toBe(
          DDL[kind][i]!.replace(' IF NOT EXISTS', '').replace(/\s+/g, ' '),
        );
      }
      expect(db.prepare('SELECT version FROM __diesel_schema_migrations').pluck().all()).toEqual([
        DIESEL_VERSION[kind],
      ]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      db.close();
    }
    const layout = new Database(join(root, '.moss/db/layout'), { readonly: true });
    const rows = layout
      .prepare('SELECT entry_type, entry_value1, entry_value2 FROM layout WHERE package_id = ?')
      .all(pkgs.extra!.id) as { entry_type: string; entry_value1: string }[];
    expect(rows.map((r) => r.entry_type)).toEqual(['regular']);
    expect(rows[0]!.entry_value1).toMatch(/^\d+$/);
    layout.close();
  });
});

describe.skipIf(skip !== undefined)('a root our moss wrote holds what the original parses', () => {
  let root = '';
  beforeAll(() => {
    root = join(work, 'our-root');
    mkdirSync(root);
    expect(moss(['-D', root, 'repo', 'add', 'volatile', repoUri]).status).toBe(0);
    const first = moss(['-D', root, 'install', 'hello', '-y']);
    expect(first.status, first.stderr).toBe(0);
    expect(moss(['-D', root, 'install', 'extra', '-y']).status).toBe(0);
  });

  it('§2.2: /usr/.stateID is the decimal id and nothing else, in the live and the archived tree', () => {
    expect(readFileSync(join(root, 'usr/.stateID'))).toEqual(Buffer.from('2'));
    expect(originalStateId(root)).toBe(2);
    expect(readFileSync(join(root, '.moss/root/1/usr/.stateID'))).toEqual(Buffer.from('1'));
  });

  it('§3: every table is the original DDL (types, NOT NULL, defaults, keys), with its Diesel migration recorded', () => {
    const reference = join(work, 'reference');
    mkdirSync(reference);
    for (const [file, kind] of [
      ['install', 'meta'],
      ['layout', 'layout'],
      ['state', 'state'],
    ] as const) {
      const ref = originalDb(join(reference, file), kind);
      const ours = new Database(join(root, '.moss/db', file), { readonly: true });
      for (const table of [...TABLES[kind], '__diesel_schema_migrations']) {
        for (const pragma of ['table_info', 'foreign_key_list', 'index_list']) {
          // Our own extra indexes (provider, name, package_id) are not the original's concern;
          // the primary key's index is.
          const strip = (rows: unknown[]) =>
            pragma === 'index_list'
              ? (rows as { seq: number; origin: string }[])
                  .filter((r) => r.origin === 'pk')
                  .map(({ seq: _, ...r }) => r)
              : rows;
          expect(
            strip(ours.pragma(`${pragma}(${table})`) as unknown[]),
            `${file} ${table} ${pragma}`,
          ).toEqual(strip(ref.pragma(`${pragma}(${table})`) as unknown[]));
        }
      }
      expect(ours.prepare('SELECT version FROM __diesel_schema_migrations').pluck().all()).toEqual([
        DIESEL_VERSION[kind],
      ]);
      ref.close();
      ours.close();
    }
  });

  it('§3.2 §2.1: layout rows as the original encodes them; each hash is a decimal u128 naming an unpadded asset', async () => {
    const db = new Database(join(root, '.moss/db/layout'), { readonly: true });
    const rows = db.prepare('SELECT * FROM layout ORDER BY id').all() as {
      entry_type: string;
      entry_value1: string | null;
      entry_value2: string | null;
      mode: number;
    }[];
    db.close();
    expect(new Set(rows.map((r) => r.entry_type))).toEqual(new Set(['regular', 'symlink', 'directory']));
    let unpadded = 0;
    for (const r of rows) {
      if (r.entry_type === 'regular') {
        expect(r.entry_value1).toMatch(/^\d+$/);
        const hex = BigInt(r.entry_value1!).toString(16).padStart(32, '0');
        expect(existsSync(assetPath(root, hex)), r.entry_value2!).toBe(true);
        if (assetName(hex).length < 32) unpadded++;
      } else if (r.entry_type === 'directory') {
        expect(r.entry_value1).not.toBeNull();
        expect(r.entry_value2).toBeNull();
      } else {
        expect(r.entry_value1).toBe('libgreet.so.1');
        expect(r.entry_value2).toBe('lib/libgreet.so');
      }
    }
    // libgreet's share/greet/zero hashes to a leading zero: stored without it, as the original.
    expect(unpadded).toBeGreaterThan(0);
    const zero = await xxh3_128(new TextEncoder().encode(contents.get('libgreet')!.get('share/greet/zero')!));
    expect(existsSync(assetPath(root, zero))).toBe(true);
    expect(assetName(zero).length).toBeLessThan(32);
  });

  it('§3.3 §3.1: state rows (type, created as unixepoch, explicit 0/1) and meta rows (absolute URI, hash, size)', () => {
    const state = new Database(join(root, '.moss/db/state'), { readonly: true });
    const states = state
      .prepare('SELECT id, type, typeof(created) AS t, created, summary FROM state ORDER BY id')
      .all() as {
      id: number;
      type: string;
      t: string;
      created: number;
      summary: string;
    }[];
    expect(states.map((s) => [s.id, s.type, s.t, s.summary])).toEqual([
      [1, 'transaction', 'integer', 'Install'],
      [2, 'transaction', 'integer', 'Install'],
    ]);
    for (const s of states) expect(Math.abs(s.created - Date.now() / 1000)).toBeLessThan(3600);
    const sel = state.prepare('SELECT typeof(explicit) AS t, explicit FROM state_selections').all() as {
      t: string;
      explicit: number;
    }[];
    expect(new Set(sel.map((s) => `${s.t}:${s.explicit}`))).toEqual(new Set(['integer:1', 'integer:0']));
    state.close();
    const meta = new Database(join(root, '.moss/db/install'), { readonly: true });
    const rows = meta.prepare('SELECT package, uri, hash, typeof(download_size) AS t FROM meta').all() as {
      package: string;
      uri: string;
      hash: string;
      t: string;
    }[];
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(new URL(r.uri).href).toBe(r.uri);
      expect(r.hash).toBe(r.package);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.t).toBe('integer');
      expect(existsSync(downloadPath(root, r.hash))).toBe(true);
    }
    meta.close();
  });

  it('§5.1 §5.3: the repository config is the original YAML map, and its cache is at xxh3_64("moss-<uri>")', async () => {
    const doc = parseYaml(readFileSync(join(root, 'etc/moss/repo.d/volatile.yaml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(doc).toEqual({ volatile: { description: '...', uri: repoUri, priority: 0, active: true } });
    const cache = await repoCacheDir(root, repoUri);
    expect(readFileSync(join(cache, 'stone.index'))).toEqual(readFileSync(join(repoDir, 'stone.index')));
    const db = new Database(join(cache, 'db'), { readonly: true });
    const uris = db.prepare('SELECT uri FROM meta ORDER BY name').pluck().all();
    expect(uris).toEqual([
      'l/extra-1.0-1-1-x86_64.stone',
      'l/hello-1.0-1-1-x86_64.stone',
      'l/libgreet-1.0-1-1-x86_64.stone',
    ]);
    expect(db.prepare('SELECT version FROM __diesel_schema_migrations').pluck().all()).toEqual([
      DIESEL_VERSION.meta,
    ]);
    db.close();
    // §2.4: the original's lock file exists, so its flock and ours exclude each other.
    expect(existsSync(join(root, '.moss/.moss-lockfile'))).toBe(true);
  });
});
