// Layout, meta and state DB throughput at the real repository's scale (1,609 packages,
// 320,910 files, 9,557 providers), on a real file in a temporary directory.
// Run: `tsc -b && node bench/db.bench.mjs` (from packages/system).
// References run in the same process on the same data: kysely's own insert path (what the
// layout DB would do without raw prepared statements) and a bare better-sqlite3 loop (the floor).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openLayoutDb, openMetaDb, openStateDb } from '../dist/index.js';

const PACKAGES = 1600;
const LAYOUT_ROWS = 300_000;
const PROVIDERS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'serpent-db-bench-'));
// Both wall and CPU time (user + system of this process): on a shared 2-core machine the wall
// time follows the load of the others; the CPU time is what the code costs. Rates use CPU time.
let cpu0 = process.cpuUsage();
const mark = () => {
  cpu0 = process.cpuUsage();
  return performance.now();
};
const ms = (t) => {
  const c = process.cpuUsage(cpu0);
  return { wall: performance.now() - t, cpu: (c.user + c.system) / 1000 };
};
const rate = (n, t) => `${Math.round(n / (t.cpu / 1000)).toLocaleString('en')} rows/s`;
const line = (what, n, t, extra = '') =>
  console.log(
    `${what.padEnd(46)} ${t.wall.toFixed(0).padStart(6)} ms wall ${t.cpu.toFixed(0).padStart(6)} ms cpu ${rate(n, t).padStart(16)}${extra}`,
  );

// ---- data
const perPackage = Math.ceil(LAYOUT_ROWS / PACKAGES);
const layouts = [];
let rows = 0;
for (let p = 0; p < PACKAGES && rows < LAYOUT_ROWS; p++) {
  const entries = [];
  for (let i = 0; i < perPackage && rows < LAYOUT_ROWS; i++, rows++) {
    const k = i % 10;
    const base = { uid: 0, gid: 0, tag: 0 };
    if (k === 0) entries.push({ ...base, mode: 0o40755, type: 'directory', target: `lib/pkg${p}/dir${i}` });
    else if (k === 1)
      entries.push({
        ...base,
        mode: 0o120777,
        type: 'symlink',
        source: `file${i - 1}.so`,
        target: `lib/pkg${p}/link${i}.so`,
      });
    else
      entries.push({
        ...base,
        mode: 0o100644,
        type: 'regular',
        hash: randomBytes(16).toString('hex'),
        target: `lib/pkg${p}/dir${i - (i % 10)}/file${i}.so`,
      });
  }
  layouts.push({ packageId: `pkg-${p}`, entries });
}
const kinds = ['soname', 'binary', 'pkgconfig', 'cmake', 'sysbinary'];
const metas = [];
for (let p = 0; p < PACKAGES; p++) {
  const provides = [];
  for (let i = 0; i < Math.round(PROVIDERS / PACKAGES) - 1 + (p % 2); i++)
    provides.push({ kind: kinds[i % 5], name: `thing${p}-${i}` });
  metas.push({
    id: randomBytes(32).toString('hex'),
    meta: {
      name: `pkg${p}`,
      version: '1.0.0',
      release: p,
      buildRelease: 1,
      architecture: 'x86_64',
      summary: `package number ${p}`,
      description: 'a package used by the benchmark',
      homepage: 'https://example.org',
      sourceId: `src${p >> 2}`,
      licenses: ['MIT'],
      depends: [
        { kind: 'soname', name: 'libc.so.6(x86_64)' },
        { kind: 'name', name: `pkg${(p + 1) % PACKAGES}` },
        { kind: 'pkgconfig', name: `thing${p}` },
      ],
      provides,
      conflicts: [],
      packageUri: `p/pkg${p}.stone`,
      packageHash: randomBytes(32).toString('hex'),
      packageSize: 1000 + p,
    },
  });
}
const providerCount = metas.reduce((n, m) => n + m.meta.provides.length + 1, 0);
const ids = layouts.map((l) => l.packageId);
console.log(
  `load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`,
);
console.log(
  `${rows.toLocaleString('en')} layout rows in ${layouts.length} packages; ${PACKAGES} packages with ${providerCount.toLocaleString('en')} providers (name() included)\n`,
);

// ---- layout DB
const layoutDb = await openLayoutDb(join(dir, 'layout'));
let t = mark();
layoutDb.addLayoutsBatch(layouts);
const tInsert = ms(t);
line('layout insert, one transaction (ours)', rows, tInsert);
t = mark();
const read = layoutDb.layoutsOf(ids);
const tRead = ms(t);
let readRows = 0;
for (const l of read.values()) readRows += l.length;
if (readRows !== rows) throw new Error(`read ${readRows} rows, wrote ${rows}`);
line('layout read back, all packages (ours)', rows, tRead);
t = mark();
let streamed = 0;
for (const _ of layoutDb.iterateLayouts(ids)) streamed++;
line('layout streamed (iterateLayouts)', streamed, ms(t));
t = mark();
const hashes = layoutDb.referencedHashes();
line('referencedHashes (distinct regular)', hashes.size, ms(t));
t = mark();
layoutDb.addLayoutsBatch(layouts);
line('layout re-insert (replaces every package)', rows, ms(t));
t = mark();
for (const l of layouts.slice(0, 100)) layoutDb.addLayouts(l.packageId, l.entries);
line('layout insert, one commit per package x100', 100 * perPackage, ms(t), '  (an fsync per commit)');
await layoutDb.close();

// Reference 1: kysely's insert path, chunks under the 32,766 bind-variable limit.
const flat = [];
for (const { packageId, entries } of layouts) {
  for (const e of entries) {
    flat.push({
      package_id: packageId,
      uid: e.uid,
      gid: e.gid,
      mode: e.mode,
      tag: e.tag,
      entry_type: e.type,
      entry_value1:
        e.type === 'regular' ? BigInt(`0x${e.hash}`).toString() : e.type === 'symlink' ? e.source : e.target,
      entry_value2: e.type === 'regular' || e.type === 'symlink' ? e.target : null,
    });
  }
}
const refPath = join(dir, 'layout-ref');
const ref = new Database(refPath);
ref.pragma('journal_mode = WAL');
ref.pragma('synchronous = FULL');
ref.exec(`CREATE TABLE layout (id INTEGER PRIMARY KEY AUTOINCREMENT, package_id TEXT NOT NULL, uid INTEGER NOT NULL,
  gid INTEGER NOT NULL, mode INTEGER NOT NULL, tag INTEGER NOT NULL, entry_type TEXT NOT NULL, entry_value1 TEXT,
  entry_value2 TEXT); CREATE INDEX layout_package_id ON layout (package_id);`);
const k = new Kysely({ dialect: new SqliteDialect({ database: ref }) });
t = mark();
await k.transaction().execute(async (trx) => {
  for (let i = 0; i < flat.length; i += 4000)
    await trx
      .insertInto('layout')
      .values(flat.slice(i, i + 4000))
      .execute();
});
const tKysely = ms(t);
line(
  'reference: kysely insertInto, 4,000-row chunks',
  rows,
  tKysely,
  `  kysely/ours ${(tKysely.cpu / tInsert.cpu).toFixed(2)}`,
);
t = mark();
const kRead = await k
  .selectFrom('layout')
  .selectAll()
  .where('package_id', 'in', ids)
  .orderBy('package_id')
  .orderBy('id')
  .execute();
const tKRead = ms(t);
line(
  'reference: kysely select (no conversion)',
  kRead.length,
  tKRead,
  `  kysely/ours ${(tKRead.cpu / tRead.cpu).toFixed(2)}`,
);
ref.exec('DELETE FROM layout');
// Reference 2: the floor, a bare prepared-statement loop with no conversion at all.
const ins = ref.prepare(
  'INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
);
t = mark();
ref.transaction(() => {
  for (const r of flat)
    ins.run(r.package_id, r.uid, r.gid, r.mode, r.tag, r.entry_type, r.entry_value1, r.entry_value2);
})();
const tFloor = ms(t);
line(
  'reference: bare better-sqlite3 loop',
  rows,
  tFloor,
  `  ours/bare ${(tInsert.cpu / tFloor.cpu).toFixed(2)} (hash and type conversion)`,
);
await k.destroy();

// ---- meta DB
const metaDb = await openMetaDb(join(dir, 'install'));
const metaRows = metas.reduce(
  (n, m) => n + 1 + m.meta.licenses.length + m.meta.depends.length + m.meta.provides.length + 1,
  0,
);
t = mark();
metaDb.addPackages(metas);
line(`meta insert, ${PACKAGES} packages`, metaRows, ms(t));
t = mark();
const listed = metaDb.listPackages();
line('meta listPackages', listed.length, ms(t), ' (packages/s)');
t = mark();
let found = 0;
for (let p = 0; p < PACKAGES; p++)
  found += metaDb.findByProvider({ kind: 'soname', name: `thing${p}-0` }).length;
line('findByProvider x1600 (indexed)', PACKAGES, ms(t), ' (lookups/s)');
if (found !== PACKAGES) throw new Error(`found ${found} providers`);
t = mark();
metaDb.replaceAll(metas);
line('meta replaceAll (repository refresh)', metaRows, ms(t));
await metaDb.close();

// ---- state DB
const stateDb = await openStateDb(join(dir, 'state'));
const selections = metas.map((m, i) => ({ packageId: m.id, explicit: i % 10 === 0 }));
t = mark();
const sid = stateDb.addState({ summary: 'Install', selections });
line(`addState with ${PACKAGES} selections`, PACKAGES, ms(t));
t = mark();
stateDb.getState(sid);
line('getState', PACKAGES, ms(t));
await stateDb.close();

rmSync(dir, { recursive: true, force: true });
