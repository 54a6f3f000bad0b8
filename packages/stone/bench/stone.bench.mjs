// Benchmark of @serpent/stone on a package of ≥ 300 MB of real files from this machine:
//   - full decode-and-verify (every payload checksum, every record, every file's XXH3-128)
//     against `zstd -d` of the same content payload, in the same run, as a ratio;
//   - write throughput at three compression levels.
// Run with `pnpm bench` (or `pnpm --filter @serpent/stone bench`). Uses the built dist/.
// Environment: STONE_BENCH_MB (default 320) sets how much real data to collect.
import { spawnSync } from 'node:child_process';
import { createWriteStream, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoneReader, writePackage } from '../dist/index.js';

const TARGET = Number(process.env.STONE_BENCH_MB ?? 320) * 1024 * 1024;
const RUNS = 3;
const work = join(tmpdir(), `stone-bench-${process.pid}`);
mkdirSync(work, { recursive: true });

function collect() {
  const files = [];
  let total = 0;
  // Small files first (docs, headers, scripts), then libraries: a package-like mix, so per-file
  // costs (hasher reset, sink calls) count, not just bulk bandwidth.
  const roots = ['/usr/share', '/usr/include', '/usr/bin', '/usr/lib', '/usr/libexec', '/usr/local'];
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
      else if (st.isFile() && st.size > 0 && st.size < 256 * 1024 * 1024) {
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
function best(fn) {
  return async () => {
    let t = Number.POSITIVE_INFINITY;
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      await fn();
      t = Math.min(t, Number(process.hrtime.bigint() - start) / 1e9);
    }
    return t;
  };
}

const meta = {
  name: 'bench',
  version: '1',
  release: 1,
  buildRelease: 1,
  architecture: 'x86_64',
  summary: 'benchmark',
  description: 'real files from this machine',
  homepage: '',
  sourceId: 'bench',
  licenses: [],
  depends: [],
  provides: [],
  conflicts: [],
};

const { files, total } = collect();
console.log(`collected ${files.length} real files, ${fmt(mb(total))} MiB, from /usr`);
const entries = files.map((f) => ({
  type: 'regular',
  target: relative('/usr', f.path) || 'x',
  mode: f.mode,
  content: { path: f.path },
}));

// Write throughput at three levels (input MiB/s, single zstd thread).
const results = { files: files.length, plainMiB: mb(total), write: {} };
let mainStone;
for (const level of [1, 3, 9]) {
  const out = join(work, `bench-l${level}.stone`);
  const start = process.hrtime.bigint();
  const w = await writePackage(out, { meta, entries, level });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  results.write[level] = { seconds: s, inputMiBps: mb(total) / s, ratio: total / w.size };
  console.log(
    `write level ${level}: ${fmt(mb(total) / s)} MiB/s of input, ${s.toFixed(2)} s, ${(total / w.size).toFixed(2)}:1`,
  );
  if (level === 3) mainStone = out;
  else rmSync(out);
}

// Decode and verify everything, vs zstd -d of the same content payload.
const stone = await StoneReader.open(mainStone);
const content = stone.contentPayload;
const plain = content.plainSize;
const zst = join(work, 'content.zst');
{
  const fh = await open(mainStone, 'r');
  await pipeline(
    fh.createReadStream({ start: content.bodyOffset, end: content.bodyOffset + content.storedSize - 1 }),
    createWriteStream(zst),
  );
}
await stone.close();

const ours = await best(async () => {
  const s = await StoneReader.open(mainStone);
  await s.verify();
  await s.close();
})();
const zstdT = await best(async () => {
  // --memory: the frame's window is its content size (> 128 MiB), as in real stones.
  const r = spawnSync('zstd', ['-d', '-q', '-f', '--memory=2048MB', zst, '-o', '/dev/null']);
  if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr}`);
})();
results.decode = {
  plainMiB: mb(plain),
  oursSeconds: ours,
  oursMiBps: mb(plain) / ours,
  zstdSeconds: zstdT,
  zstdMiBps: mb(plain) / zstdT,
  ratio: zstdT / ours,
};
console.log(`decode+verify (ours): ${fmt(mb(plain) / ours)} MiB/s (${ours.toFixed(2)} s, best of ${RUNS})`);
console.log(`zstd -d (CLI)       : ${fmt(mb(plain) / zstdT)} MiB/s (${zstdT.toFixed(2)} s, best of ${RUNS})`);
console.log(`ratio ours / zstd -d: ${(zstdT / ours).toFixed(2)}× (goal ≥ 0.60×)`);
mkdirSync(new URL('../.bench/', import.meta.url), { recursive: true });
const { writeFileSync } = await import('node:fs');
writeFileSync(new URL('../.bench/stone.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
