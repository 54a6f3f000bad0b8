// Benchmark: `moss index` over ≥ 1,000 generated stones (first run, re-run with the side-cache,
// one stone touched), then fetching them over 127.0.0.1 at several concurrencies, with
// `sha256sum` and `curl --parallel` run on the same files as reference tools.
//
//   cd packages/repository && tsc -b && node bench/repository.bench.mjs [--stones N]
//
// Package metadata comes from the real build manifests under ../shared/fixtures/recipes
// (manifest.x86_64.bin); names are suffixed to reach N. Each stone holds a few files of
// incompressible bytes, 16-256 KiB in all, so transfers are not all per-request overhead.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoneReader, writePackage } from '@serpent/stone';
import { fetchPackages, packageUrl, readIndex, writeIndex } from '../dist/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const N = arg('--stones', 1200);
const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const recipes = join(SHARED, 'fixtures', 'recipes');
if (!existsSync(recipes)) {
  console.log('skipped: ../shared/fixtures/recipes is not beside this checkout');
  process.exit(0);
}

const now = () => performance.now();
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (b) => `${(b / 1048576).toFixed(1)} MiB`;

async function realMetas() {
  const out = [];
  for (const letter of readdirSync(recipes)) {
    for (const name of readdirSync(join(recipes, letter))) {
      const bin = join(recipes, letter, name, 'manifest.x86_64.bin');
      if (!existsSync(bin)) continue;
      const stone = await StoneReader.open(bin);
      for (const m of await stone.metas()) out.push(m);
      await stone.close();
    }
  }
  return out;
}

const work = await mkdtemp(join(tmpdir(), 'serpent-repository-bench-'));
const repo = join(work, 'repo');
try {
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (figures are noisy above the core count)`,
  );
  const metas = await realMetas();
  console.log(`${metas.length} real package metas from ${recipes.replace(SHARED, '../shared/')}`);
  let t = now();
  let totalBytes = 0;
  for (let i = 0; i < N; i++) {
    const base = metas[i % metas.length];
    const copy = Math.floor(i / metas.length);
    const name = copy === 0 ? base.name : `${base.name}-v${copy}`;
    const size = 16384 * (1 + (i % 16));
    const rel = `${name[0]}/${name}-${base.version}-${base.release}-1-x86_64.stone`;
    await mkdir(join(repo, name[0]), { recursive: true });
    const w = await writePackage(join(repo, rel), {
      meta: { ...base, name, buildRelease: 1 },
      level: 1,
      entries: [
        { type: 'directory', target: 'share', mode: 0o755 },
        { type: 'regular', target: `share/${name}/a`, mode: 0o644, content: randomBytes(size >> 1) },
        { type: 'regular', target: `share/${name}/b`, mode: 0o644, content: randomBytes(size >> 1) },
      ],
    });
    totalBytes += w.size;
  }
  console.log(`generated ${N} stones, ${mb(totalBytes)}, in ${fmt(now() - t)}\n`);

  // --- moss index ---------------------------------------------------------------------------
  const files = execFileSync('find', [repo, '-name', '*.stone'], { encoding: 'utf8' }).trim().split('\n');
  t = now();
  execFileSync('sh', ['-c', 'xargs -0 sha256sum > /dev/null'], { input: files.join('\0') });
  const refHash = now() - t;
  console.log(`reference: sha256sum over the ${files.length} stones: ${fmt(refHash)}`);

  for (const concurrency of [1, 4, 8]) {
    await rm(join(repo, 'stone.index'), { force: true });
    await rm(join(repo, '.stone.index.cache.json'), { force: true });
    t = now();
    const r = await writeIndex(repo, { concurrency });
    const ms = now() - t;
    console.log(
      `writeIndex first run, concurrency ${concurrency}: ${fmt(ms)} (${r.hashed} hashed, ${r.packages.length} packages; ${(ms / refHash).toFixed(2)}× sha256sum)`,
    );
  }
  t = now();
  const again = await writeIndex(repo);
  const rerun = now() - t;
  console.log(
    `writeIndex re-run (nothing changed): ${fmt(rerun)} (${again.hashed} hashed, ${again.reused} reused; ${(rerun / refHash).toFixed(2)}× sha256sum)`,
  );
  const later = new Date(Date.now() + 10_000);
  await utimes(files[0], later, later);
  t = now();
  const touched = await writeIndex(repo);
  console.log(`writeIndex re-run, one stone touched: ${fmt(now() - t)} (${touched.hashed} hashed)\n`);

  // --- fetching over 127.0.0.1 --------------------------------------------------------------
  // The server runs in its own process so it does not share the client's event loop.
  const serverCode = `
    const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
    const root = process.argv[1];
    const s = http.createServer((req, res) => {
      const p = path.join(root, decodeURIComponent(req.url));
      fs.stat(p, (err, st) => {
        if (err) { res.writeHead(404); return res.end(); }
        res.writeHead(200, { 'content-length': st.size });
        fs.createReadStream(p).pipe(res);
      });
    });
    s.keepAliveTimeout = 30000;
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const server = spawn(process.execPath, ['-e', serverCode, repo], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) =>
    server.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
  );
  const base = `http://127.0.0.1:${port}/stone.index`;
  try {
    const packages = await readIndex(join(repo, 'stone.index'));
    const items = packages.map((p) => ({
      name: p.name,
      repo: 'bench',
      url: packageUrl(base, p.packageUri),
      sha256: p.packageHash,
      size: p.packageSize,
    }));
    const bytes = items.reduce((n, i) => n + i.size, 0);
    console.log(`fetching ${items.length} packages, ${mb(bytes)}, from 127.0.0.1`);

    const curlDir = join(work, 'curl');
    await mkdir(curlDir);
    const config = items
      .map((it, i) => `url = "${it.url}"\noutput = "${join(curlDir, String(i))}"`)
      .join('\n');
    await writeFile(join(work, 'curl.cfg'), config);
    t = now();
    execFileSync('curl', ['-sS', '--fail', '-Z', '--parallel-max', '8', '-K', join(work, 'curl.cfg')]);
    const refFetch = now() - t;
    console.log(`reference: curl --parallel-max 8 (no verification, no fsync): ${fmt(refFetch)}`);

    for (const concurrency of [1, 2, 4, 8, 16]) {
      const cacheDir = join(work, `cache-${concurrency}`);
      t = now();
      await fetchPackages(items, { cacheDir, concurrency });
      const ms = now() - t;
      console.log(
        `fetchPackages concurrency ${String(concurrency).padStart(2)}: ${fmt(ms)}  ${((bytes / 1048576 / ms) * 1000).toFixed(0)} MiB/s  ${((items.length / ms) * 1000).toFixed(0)} pkg/s  (${(ms / refFetch).toFixed(2)}× curl)`,
      );
      if (concurrency === 8) {
        t = now();
        const cached = await fetchPackages(items, { cacheDir, concurrency });
        console.log(
          `  re-fetch from the cache (re-verified): ${fmt(now() - t)} (${cached.filter((c) => c.cached).length} cached)`,
        );
        t = now();
        await fetchPackages(items, { cacheDir, concurrency, verifyCached: false });
        console.log(`  re-fetch from the cache (size check only): ${fmt(now() - t)}`);
      }
      await rm(cacheDir, { recursive: true, force: true });
    }
    // verifyCached: false makes every download durable (fsync of the file and its directory).
    const durableDir = join(work, 'cache-durable');
    t = now();
    await fetchPackages(items, { cacheDir: durableDir, concurrency: 8, verifyCached: false });
    console.log(`fetchPackages concurrency  8, durable (2 fsyncs per package): ${fmt(now() - t)}`);
  } finally {
    server.kill();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
