// The end-to-end repository benchmark (issue 6): one copy of the real package graph of
// `../shared/fixtures/recipes` as stones (stand-ins for the providers outside it), indexed with
// the real `moss index`, served over HTTP on 127.0.0.1 by a child process, added to an empty
// root and updated with the real `moss repo add/update`, resolved in-process with
// `resolveInstall` (best of 5), and installed completely with the real `moss install`.
// Prints each figure, the per-phase times of the install, whether it is blit-bound, and the
// load average.
//
// Run: `pnpm bench` (or `node bench/repository.bench.mjs`) from e2e/, after `tsc -b` in
// tools/moss (which builds the packages it uses). The stones are generated once into
// e2e/.bench/ (about 15 s) and reused.
//
// Goals (issue 6): resolving every package of the graph in under 1 s; the install limited by
// the blit, not by fetch, database or resolution.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatDependency } from '@serpent/stone';
// Through the built packages: e2e depends only on the binaries, this script also on two libraries.
import { INDEX_CACHE_NAME, INDEX_NAME, readIndex } from '../../packages/repository/dist/index.js';
import { resolveInstall } from '../../packages/resolve/dist/index.js';
import { countTree, removeInBackground, settleDisk } from '../../scripts/bench-disk.mjs';
import { ensureGraph } from './generate-graph.mjs';

const RESOLVE_GOAL_MS = 1000;
const RESOLVE_RUNS = 5;

const here = dirname(fileURLToPath(import.meta.url));
const e2eDir = join(here, '..');
const repoRoot = join(e2eDir, '..');
const recipesDir = join(repoRoot, '..', 'shared', 'fixtures', 'recipes');
const MOSS = join(repoRoot, 'tools', 'moss', 'bin', 'moss.js');
if (!existsSync(recipesDir)) {
  console.log('repository bench SKIPPED: ../shared/fixtures/recipes (next to the repository) is absent');
  process.exit(0);
}
if (!existsSync(join(repoRoot, 'tools', 'moss', 'dist', 'main.js'))) {
  console.log('repository bench SKIPPED: moss is not built (run `tsc -b` in tools/moss)');
  process.exit(0);
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const s = (ms) => (ms < 100 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);
const k = (n) => Math.round(n).toLocaleString('en');
console.log(
  `load average ${load()} (1/5/15 min) on ${availableParallelism()} cores, node ${process.version}`,
);

const cacheDir = join(e2eDir, '.bench');
mkdirSync(cacheDir, { recursive: true });
// Earlier runs are deleted first, then the inodes they freed are given time to stop being
// "recent", which would otherwise slow this run's file creation 2x (scripts/bench-disk.mjs).
await settleDisk(cacheDir, 'repo-run-', (line) => console.log(line));

// 1. The stones.
const graph = await ensureGraph(recipesDir, cacheDir, (line) => console.log(line));
const stonesDir = join(graph.dir, 'stones');
console.log(
  `${k(graph.packages)} packages (${graph.manifests} manifests, ${k(graph.packages - graph.standIns)} packages, ` +
    `${k(graph.standIns)} stand-ins): ${k(graph.files)} files, ${k(graph.symlinks)} symlinks, ` +
    `${k(graph.directories)} listed directories, ${k(graph.depends)} depends; ` +
    `${graph.cached ? 'cached stones' : `generated in ${s(graph.generateMs)}`}`,
);

/** Runs the real moss with the pinned Node; returns wall ms and the output. Throws on failure. */
function moss(args) {
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MOSS, ...args], { encoding: 'utf8', env, maxBuffer: 256 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(`moss ${args.slice(0, 4).join(' ')} ... failed (${r.status}):\n${r.stderr}${r.stdout}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

const figures = [];
const figure = (what, ms, note = '') => {
  figures.push([what, ms, note]);
  console.log(`${what}: ${s(ms)}${note ? ` (${note})` : ''}`);
};

// 2. moss index: from nothing, then again with every entry reused from the side-cache.
rmSync(join(stonesDir, INDEX_NAME), { force: true });
rmSync(join(stonesDir, INDEX_CACHE_NAME), { force: true });
const indexFirst = moss(['index', stonesDir, '--json']);
const indexed = JSON.parse(indexFirst.stdout);
figure('moss index (first run)', indexFirst.ms, `${indexed.hashed ?? '?'} stones hashed`);
const indexAgain = moss(['index', stonesDir, '--json']);
const reindexed = JSON.parse(indexAgain.stdout);
figure('moss index (re-run)', indexAgain.ms, `${reindexed.reused ?? '?'} entries reused`);

// 3. The server, in its own process.
const server = spawn(process.execPath, [join(here, 'serve-static.mjs'), stonesDir], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve, reject) => {
  server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  createInterface({ input: server.stdout }).once('line', (line) => resolve(JSON.parse(line).port));
});
const url = `http://127.0.0.1:${port}/${INDEX_NAME}`;

const runDir = mkdtempSync(join(cacheDir, 'repo-run-'));
const root = join(runDir, 'root');
mkdirSync(root);
try {
  // 4. A fresh root: add (which fetches the index once), then update.
  figure('moss repo add (first fetch)', moss(['-D', root, 'repo', 'add', 'bench', url]).ms);
  figure('moss repo update', moss(['-D', root, 'repo', 'update']).ms);

  const available = JSON.parse(moss(['-D', root, 'list', 'available', '--json']).stdout);
  if (available.length !== graph.packages) {
    throw new Error(`moss list available shows ${available.length} of ${graph.packages} packages`);
  }

  // 5. Resolution of the whole graph in-process, from the generated index.
  const tRead = performance.now();
  const packages = await readIndex(join(stonesDir, INDEX_NAME));
  const candidates = packages.map((p) => ({
    id: p.packageHash,
    meta: p,
    source: { kind: 'repository', name: 'bench', priority: 0 },
  }));
  figure('readIndex + candidates (in-process)', performance.now() - tRead, `${k(packages.length)} packages`);
  const names = packages.map((p) => p.name);
  let best = Number.POSITIVE_INFINITY;
  let plan;
  for (let i = 0; i < RESOLVE_RUNS; i++) {
    const t = performance.now();
    plan = resolveInstall({ request: names, installed: [], candidates });
    best = Math.min(best, performance.now() - t);
  }
  if (plan.install.length !== packages.length) {
    throw new Error(`resolution selected ${plan.install.length} of ${packages.length} packages`);
  }
  figure(
    `resolveInstall, whole graph (best of ${RESOLVE_RUNS})`,
    best,
    `${k(plan.install.length)} packages; goal < ${s(RESOLVE_GOAL_MS)}: ${best < RESOLVE_GOAL_MS ? 'met' : 'MISSED'}, ` +
      `${(RESOLVE_GOAL_MS / best).toFixed(0)}x under`,
  );

  // The same graph reached through its depends: request only the packages nothing depends on
  // (by name or by what they provide), so resolution follows every depend to its provider.
  const wanted = new Set(packages.flatMap((p) => p.depends.map(formatDependency)));
  const tops = packages
    .filter((p) => !wanted.has(`name(${p.name})`) && !p.provides.some((d) => wanted.has(formatDependency(d))))
    .map((p) => p.name);
  let bestTops = Number.POSITIVE_INFINITY;
  let topsPlan;
  for (let i = 0; i < RESOLVE_RUNS; i++) {
    const t = performance.now();
    topsPlan = resolveInstall({ request: tops, installed: [], candidates });
    bestTops = Math.min(bestTops, performance.now() - t);
  }
  figure(
    `resolveInstall, from the ${k(tops.length)} top packages (best of ${RESOLVE_RUNS})`,
    bestTops,
    `${k(topsPlan.install.length)} packages reached; goal < ${s(RESOLVE_GOAL_MS)}: ${bestTops < RESOLVE_GOAL_MS ? 'met' : 'MISSED'}`,
  );

  // 6. Install everything into the empty root.
  const install = moss(['-D', root, 'install', ...names, '-y', '--json']);
  const phases = [];
  let blitTotal = 0;
  for (const line of install.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line).event;
    if (e?.type === 'phase-end') phases.push([e.phase, e.ms]);
    if (e?.type === 'blit-progress') blitTotal = e.total;
  }
  figure(`moss install (${k(names.length)} packages, wall)`, install.ms);
  const installed = JSON.parse(moss(['-D', root, 'list', 'installed', '--json']).stdout);
  if (installed.length !== names.length) {
    throw new Error(`moss list installed shows ${installed.length} of ${names.length} packages`);
  }
  const phaseMs = new Map(phases);
  const blitMs = phaseMs.get('blit') ?? 0;
  console.log('  install phases (ms from the phase-end events):');
  for (const [phase, ms] of phases) {
    console.log(
      `    ${phase.padEnd(16)} ${String(ms).padStart(7)} ms  ${((100 * ms) / install.ms).toFixed(1)}% of wall`,
    );
  }
  const phaseSum = phases.reduce((n, [, ms]) => n + ms, 0);
  console.log(
    `    ${'(outside phases)'.padEnd(16)} ${String(Math.round(install.ms - phaseSum)).padStart(7)} ms  process start, argument parsing, opening the root`,
  );
  const blitRate = blitMs > 0 ? (blitTotal * 1000) / blitMs : 0;
  console.log(`  blit: ${k(blitTotal)} entries in ${s(blitMs)} = ${k(blitRate)} entries/s`);
  const [topPhase, topMs] = [...phases].sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
  const others = ['resolve', 'fetch', 'precache', 'register', 'record'].map((p) => [p, phaseMs.get(p) ?? 0]);
  const [nextPhase, nextMs] = others.sort((a, b) => b[1] - a[1])[0];
  console.log(
    topPhase === 'blit'
      ? `  blit-bound: the blit is the longest phase (${s(blitMs)}); the largest of fetch/precache/resolve/record is ${nextPhase} at ${s(nextMs)} (${(blitMs / Math.max(nextMs, 1)).toFixed(1)}x less)`
      : `  NOT blit-bound: the longest phase is ${topPhase} (${s(topMs)}), against the blit's ${s(blitMs)}`,
  );

  // The precache's reference, in the same run: the same number of small files written by `cp`,
  // once into a few directories (the installed /usr tree, copied without hardlinks) and once
  // into the store's own three-level layout (the store copied as is). The second is what the
  // precache's file system work amounts to when done by a C tool.
  const storeDir = join(root, '.moss', 'assets', 'v2');
  const { files: storeFiles, dirs: storeDirs } = countTree(storeDir);
  const cp = (from, to) => {
    const t = performance.now();
    const r = spawnSync('cp', ['-r', from, to]);
    if (r.status !== 0) throw new Error(`cp -r ${from} failed: ${r.stderr}`);
    return performance.now() - t;
  };
  const cpTreeMs = cp(join(root, 'usr'), join(runDir, 'ref-usr'));
  const cpStoreMs = cp(storeDir, join(runDir, 'ref-store'));
  const precacheMs = phaseMs.get('precache') ?? 0;
  console.log(
    `  store: ${k(storeFiles)} assets in ${k(storeDirs)} directories; reference, same run: ` +
      `cp -r of the installed /usr tree ${s(cpTreeMs)}, cp -r of the store ${s(cpStoreMs)} ` +
      `(precache ${(precacheMs / Math.max(cpStoreMs, 1)).toFixed(1)}x the store copy)`,
  );
  // What the goal names as overheads against the file work, as shares of the wall time.
  const over = ['fetch', 'resolve', 'register', 'record'].reduce((n, p) => n + (phaseMs.get(p) ?? 0), 0);
  const overAll = over + Math.max(0, install.ms - phaseSum);
  const fileWork = precacheMs + blitMs + (phaseMs.get('sync') ?? 0);
  const pct = (ms) => `${((100 * ms) / install.ms).toFixed(1)}%`;
  console.log(
    `  file work (precache + blit + sync) ${s(fileWork)} = ${pct(fileWork)} of wall; fetch + resolve + ` +
      `register + record ${s(over)} = ${pct(over)} (${pct(overAll)} with process start and opening the root)`,
  );
  figures.push(['reference: cp -r of the installed /usr tree', cpTreeMs, '']);
  figures.push([
    'reference: cp -r of the asset store',
    cpStoreMs,
    `${k(storeFiles)} files, ${k(storeDirs)} directories`,
  ]);

  // 7. Summary.
  console.log('\nsummary');
  for (const [what, ms, note] of figures) {
    console.log(`  ${what.padEnd(54)} ${s(ms).padStart(9)}${note ? `  ${note}` : ''}`);
  }
  console.log(`  ${'blit rate'.padEnd(54)} ${k(blitRate).padStart(9)}  entries/s`);
  console.log(`load average ${load()} (1/5/15 min)`);
} finally {
  server.kill();
  const pid = removeInBackground(runDir);
  console.log(`(the run's root is being deleted in the background, pid ${pid})`);
}
