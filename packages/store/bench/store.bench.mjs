// Benchmark of @serpent/store: precaching a stone of ≥ 300 MB of real files from this machine
// (decode, verify every file's XXH3-128, write each asset to a temp name, make it durable, rename),
// against, in the same run, the work a plain tool does for the same bytes:
//   - `zstd -d` of the same content payload to a file (decompression plus writing the bytes),
//   - a plain copy of the same files into a fresh directory (one file per content),
//   - and the two together, the closest "reference" to what precache does.
// Also: a re-precache when every asset is present, and 4 stones precached 1, 2 and 4 at a time.
// Run after `tsc -b`: `node bench/store.bench.mjs` (or `pnpm --filter @serpent/store bench`).
// Environment: STORE_BENCH_MB (default 320) sets how much real data to collect.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoneReader, writePackage } from '@serpent/stone';
import { removeInBackground, settleDisk } from '../../../scripts/bench-disk.mjs';
import { openStore } from '../dist/index.js';

const TARGET = Number(process.env.STORE_BENCH_MB ?? 320) * 1024 * 1024;
// Best of 2: a 320 MB run writes ~20k files per measurement, minutes on a loaded 2-core machine.
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 2);
const LEVEL = 3;
// Waits until nothing was deleted on the disk for a while first (scripts/bench-disk.mjs).
await settleDisk(tmpdir(), 'serpent-store-bench-', (line) => console.log(line));
const work = join(tmpdir(), `serpent-store-bench-${process.pid}`);
mkdirSync(work, { recursive: true });

function collect() {
  const files = [];
  const seen = new Set();
  let total = 0;
  // Small files first (docs, headers, scripts), then binaries and libraries: a package-like
  // mix, so per-file costs (temp file, chmod, sync, rename, directories) count, not just bytes.
  const roots = ['/usr/share', '/usr/include', '/usr/bin', '/usr/lib', '/usr/libexec'];
  const walk = (dir) => {
    if (total >= TARGET) return;
    let names;
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (total >= TARGET) return;
      const p = join(dir, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (
        st.isFile() &&
        st.size > 0 &&
        st.size < 256 * 1024 * 1024 &&
        !seen.has(`${st.dev}:${st.ino}`)
      ) {
        seen.add(`${st.dev}:${st.ino}`);
        files.push({ path: p, size: st.size, mode: st.mode & 0o7777 });
        total += st.size;
      }
    }
  };
  for (const r of roots) walk(r);
  return { files, total };
}

const mb = (n) => n / 1024 / 1024;
const fmt = (n) => n.toFixed(1);
const now = () => process.hrtime.bigint();
const secs = (t0) => Number(now() - t0) / 1e9;

/** Best of RUNS; `prepare` runs untimed before each run (e.g. emptying the target). */
async function best(fn, prepare = () => {}) {
  let t = Number.POSITIVE_INFINITY;
  let value;
  for (let i = 0; i < RUNS; i++) {
    await prepare();
    const start = now();
    value = await fn();
    t = Math.min(t, secs(start));
  }
  return { t, value };
}

const meta = (name) => ({
  name,
  version: '1',
  release: 1,
  buildRelease: 1,
  architecture: 'x86_64',
  summary: 'benchmark',
  description: 'real files from this machine',
  homepage: '',
  sourceId: name,
  licenses: [],
  depends: [],
  provides: [],
  conflicts: [],
});
const entryOf = (f) => ({
  type: 'regular',
  target: relative('/', f.path),
  mode: f.mode,
  content: { path: f.path },
});

const { files, total } = collect();
console.log(`collected ${files.length} real files, ${fmt(mb(total))} MiB, from /usr`);
const stonePath = join(work, 'bench.stone');
const t0 = now();
const written = await writePackage(stonePath, {
  meta: meta('bench'),
  entries: files.map(entryOf),
  level: LEVEL,
});
console.log(
  `wrote the stone at level ${LEVEL}: ${fmt(mb(written.size))} MiB, ${written.index.length} unique contents, ${secs(t0).toFixed(1)} s`,
);

// The content payload alone, for zstd -d.
const reader = await StoneReader.open(stonePath);
const content = reader.contentPayload;
const plain = content.plainSize;
await reader.close();
const zst = join(work, 'content.zst');
{
  const fh = await open(stonePath, 'r');
  await pipeline(
    fh.createReadStream({ start: content.bodyOffset, end: content.bodyOffset + content.storedSize - 1 }),
    createWriteStream(zst),
  );
}

// Every measured run writes into a directory of its own, and nothing is deleted until the end:
// on ext4 without a journal (this machine's /), files created soon after a deletion cost 2-4x
// (scripts/bench-disk.mjs), which made whichever run came after a deletion look slow (an
// earlier version of this benchmark measured "fsync off" at 19.3 s against 5.0 s "on").
let dirs = 0;
const freshDir = (name) => join(work, `${name}-${dirs++}`);
let root = freshDir('root');
const unzst = join(work, 'content.bin');

const precache = (fsync, batchSync = true) =>
  best(
    async () => {
      const store = await openStore(root, { fsync, batchSync });
      return store.precache(stonePath);
    },
    () => {
      root = freshDir('root');
      // Settle the previous run's dirty pages, so one run's writeback does not bill the next.
      spawnSync('sync');
    },
  );
const ours = await precache(true);
const oursPerAsset = await precache(true, false);
const oursNoSync = await precache(false);
const again = await best(async () => (await openStore(root)).precache(stonePath));

const zstdT = await best(
  () => {
    // --memory: the frame's window is its content size (> 128 MiB), as in real stones.
    const r = spawnSync('zstd', ['-d', '-q', '-f', '--memory=2048MB', zst, '-o', unzst]);
    if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr}`);
  },
  () => {
    rmSync(unzst, { force: true });
    spawnSync('sync');
  },
);
let copyDir = freshDir('copy');
const copyT = await best(
  () => {
    mkdirSync(copyDir, { recursive: true });
    for (let i = 0; i < files.length; i++) copyFileSync(files[i].path, join(copyDir, String(i)));
  },
  () => {
    copyDir = freshDir('copy');
    spawnSync('sync');
  },
);

// Four stones of a quarter each, precached one at a time and four at a time.
const quarters = [];
for (let q = 0; q < 4; q++) {
  const path = join(work, `q${q}.stone`);
  await writePackage(path, {
    meta: meta(`q${q}`),
    entries: files.filter((_, i) => i % 4 === q).map(entryOf),
    level: LEVEL,
  });
  quarters.push(path);
}
const many = {};
for (const concurrency of [1, 2, 4]) {
  many[concurrency] = (
    await best(
      async () => (await openStore(root)).precacheMany(quarters, { concurrency }),
      () => {
        root = freshDir('root');
        spawnSync('sync');
      },
    )
  ).t;
}

const r = ours.value;
const reference = zstdT.t + copyT.t;
const line = (label, t, bytes = plain) =>
  console.log(`${label.padEnd(44)} ${fmt(mb(bytes) / t).padStart(7)} MiB/s  ${t.toFixed(2).padStart(6)} s`);
console.log(`content: ${fmt(mb(plain))} MiB in ${r.assets} assets (best of ${RUNS} each, hot page cache)`);
line('precache, fsync on (default: batched syncfs)', ours.t);
line('precache, fsync per asset (batchSync: false)', oursPerAsset.t);
line('precache, fsync off', oursNoSync.t);
line('re-precache, every asset present', again.t);
line('zstd -d of the content payload to a file', zstdT.t);
line(`plain copy of the ${files.length} files`, copyT.t, total);
line('zstd -d + plain copy (reference)', reference);
line('4 quarter stones, precacheMany concurrency 1', many[1]);
line('4 quarter stones, precacheMany concurrency 2', many[2]);
line('4 quarter stones, precacheMany concurrency 4', many[4]);
console.log(`ratio precache (fsync on) / reference : ${(reference / ours.t).toFixed(2)}×`);
console.log(`ratio precache (fsync off) / reference: ${(reference / oursNoSync.t).toFixed(2)}×`);
console.log(`ratio precache (fsync on) / zstd -d   : ${(zstdT.t / ours.t).toFixed(2)}×`);
console.log(`cost of durability (fsync on / off)   : ${(ours.t / oursNoSync.t).toFixed(2)}×`);
console.log(`batched syncfs vs a sync per asset    : ${(oursPerAsset.t / ours.t).toFixed(2)}× faster`);
console.log(`precacheMany speed-up, 2 vs 1 at once : ${(many[1] / many[2]).toFixed(2)}×`);
console.log(`precacheMany speed-up, 4 vs 1 at once : ${(many[1] / many[4]).toFixed(2)}×`);

const results = {
  files: files.length,
  plainMiB: mb(plain),
  assets: r.assets,
  seconds: {
    precache: ours.t,
    precachePerAssetFsync: oursPerAsset.t,
    precacheNoFsync: oursNoSync.t,
    rePrecache: again.t,
    zstd: zstdT.t,
    copy: copyT.t,
    many1: many[1],
    many2: many[2],
    many4: many[4],
  },
  ratioVsReference: reference / ours.t,
};
mkdirSync(new URL('../.bench/', import.meta.url), { recursive: true });
writeFileSync(new URL('../.bench/store.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
// In the background, stamped, so that the next benchmark waits for it (scripts/bench-disk.mjs).
removeInBackground(work);
