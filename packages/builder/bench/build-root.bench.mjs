// Build roots from boulder's shared moss dir (issue 18, item 5): the set-up of a realistic
// build root, first (downloads, unpack into the store, blit) and second (the same recipe
// again: resolve and check, the root kept), beside another recipe's root of the same packages
// (a blit from the store, nothing downloaded) and `cp -al` of the finished /usr (the physical
// cost of linking that tree) in the same run.
//
// The repository has the real repository's size: every package of the fixture manifests
// (`../shared/fixtures/recipes`) replicated six times, 1,560 packages with their real layouts
// (packages/system/bench/generate-stones.mjs), plus a stand-in package for each name of the
// original's base + gnu toolchain list that the fixtures lack (bash, gcc, glibc-devel ...;
// coreutils, diffutils, libarchive and vim are the fixtures' own). The stand-ins depend on the
// first replica's packages between them, so the root is the first replica whole: about 260
// packages, 47k files and 5k directories, more than a real base + gnu root holds (the gcc
// recipe's manifest lists about 2,300 paths, glibc's and perl's a few thousand each), so the
// figure is an upper bound. Served over HTTP on 127.0.0.1 by a separate process.
//
// Run: npx pnpm@10.34.8 --filter @serpent/builder bench   (after a build; the stones are
// generated once into .bench/, a few minutes). BUILD_ROOT_RUNS=N sets the runs (default 3).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeIndex } from '@serpent/repository';
import { writePackage } from '@serpent/stone';
import { ensureStones, readManifests } from '../../system/bench/generate-stones.mjs';
import { installBuildRoot, planFromRecipe } from '../dist/index.js';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const recipesDir = join(pkgDir, '..', '..', '..', 'shared', 'fixtures', 'recipes');
if (!existsSync(recipesDir)) {
  console.log(`skipped: no fixture recipes at ${recipesDir}`);
  process.exit(0);
}
const RUNS = Number(process.env.BUILD_ROOT_RUNS ?? 3);
const bench = join(pkgDir, '.bench');
const log = (line) => console.log(line);

// The first replica's packages are the root; six replicas make the repository (as the
// start-up benchmark's, e2e/bench/startup-root.mjs).
const manifests = readManifests(recipesDir);
const perSet = manifests
  .flatMap(({ manifest }) => Object.values(manifest.packages))
  .reduce((n, p) => n + (p.files?.length ?? 0), 0);
const set = await ensureStones(recipesDir, bench, Math.floor(perSet * 5.5), log);
const perReplica = set.packages / set.replicas;
const nameOf = (file) => file.replace(/^\d+-/, '').replace(/\.stone$/, '');
const replicaOne = set.stones.slice(0, perReplica).map(nameOf);

// The list the original installs for a gnu recipe with no dependencies of its own, from our
// recipe expansion (reference §3.5).
const recipeDir = join(bench, 'build-root-recipe');
mkdirSync(recipeDir, { recursive: true });
writeFileSync(
  join(recipeDir, 'stone.yaml'),
  [
    'name        : bench-root',
    'version     : 1.0.0',
    'release     : 1',
    'homepage    : https://example.org',
    'upstreams   : []',
    'summary     : The build-root benchmark',
    'description : |',
    '    A recipe that needs nothing but the base and the gnu toolchain.',
    'license     : MPL-2.0',
    'toolchain   : gnu',
    'build       : |',
    '    true',
    '',
  ].join('\n'),
);
const packages = (await planFromRecipe(recipeDir)).rootPackages;

const repo = join(bench, `build-root-repo-${set.version}-${set.packages}`);
if (!existsSync(join(repo, 'stone.index'))) {
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(join(repo, 'stones'), { recursive: true });
  mkdirSync(join(repo, 'standins'));
  for (const f of set.stones) linkSync(join(set.dir, 'stones', f), join(repo, 'stones', f));
  const have = new Set(set.stones.map(nameOf));
  const binaries = { git: 'git', nano: 'nano', ps: 'procps' };
  const standins = [
    ...packages.filter((p) => !p.includes('(') && !have.has(p)).map((name) => ({ name, provides: [] })),
    ...Object.entries(binaries)
      .filter(([b]) => packages.includes(`binary(${b})`))
      .map(([b, name]) => ({ name, provides: [{ kind: 'binary', name: b }] })),
  ];
  // Round robin: between them the stand-ins depend on every package of the first replica.
  const depends = standins.map(() => []);
  for (const [i, n] of replicaOne.entries()) depends[i % standins.length].push({ kind: 'name', name: n });
  for (const [i, s] of standins.entries()) {
    await writePackage(join(repo, 'standins', `${s.name}-1.0-1-1-x86_64.stone`), {
      level: 1,
      entries: [
        {
          type: 'regular',
          target: `share/doc/${s.name}/README`,
          mode: 0o644,
          content: Buffer.from(`${s.name} stands in for the build-root benchmark\n`),
        },
      ],
      meta: {
        name: s.name,
        version: '1.0',
        release: 1,
        buildRelease: 1,
        architecture: 'x86_64',
        summary: `${s.name}, a stand-in for the build-root benchmark`,
        description: `Depends on ${depends[i].length} packages of the fixture set.`,
        homepage: 'https://example.org',
        sourceId: s.name,
        licenses: ['MPL-2.0'],
        depends: depends[i],
        provides: s.provides,
        conflicts: [],
      },
    });
  }
  log(`indexing ${set.packages + standins.length} packages into ${repo}`);
  await writeIndex(repo);
}

const server = spawn(process.execPath, [join(pkgDir, 'bench', 'serve-repo.mjs'), repo], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const port = await new Promise((resolve, reject) => {
  server.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port));
  server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
});
const profile = {
  id: 'bench',
  repositories: {
    bench: {
      description: 'build-root benchmark',
      uri: `http://127.0.0.1:${port}/stone.index`,
      priority: 0,
      active: true,
    },
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function setUp(dir, mossDir, extra = {}) {
  const steps = {};
  let installed = 0;
  const t0 = performance.now();
  const r = await installBuildRoot({
    dir,
    mossDir,
    profile,
    packages,
    ...extra,
    onEvent: (e) => {
      if (e.type === 'root-step') steps[e.step] = (steps[e.step] ?? 0) + e.ms;
      if (e.type === 'root-installing') installed = e.packages.length;
    },
  });
  return { ms: performance.now() - t0, kept: r.kept, entries: r.entries, steps, installed };
}

const results = [];
// The server goes with this process whatever happens (it holds our stderr open otherwise);
// it also exits by itself when its stdin, our pipe, closes.
process.on('exit', () => server.kill());
for (let run = 1; run <= RUNS; run++) {
  const work = join(bench, `build-root-run-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const mossDir = join(work, 'moss');
  const rootA = join(work, 'cache', 'root', 'recipe-a');
  const rootB = join(work, 'cache', 'root', 'recipe-b');
  try {
    const first = await setUp(rootA, mossDir);
    const second = await setUp(rootA, mossDir);
    const update = await setUp(rootA, mossDir, { update: true });
    const other = await setUp(rootB, mossDir);
    const ref = join(work, 'cp-al');
    mkdirSync(ref);
    const t0 = performance.now();
    const cp = spawnSync('cp', ['-al', join(rootA, 'usr'), join(ref, 'usr')]);
    const cpMs = performance.now() - t0;
    if (cp.status !== 0) throw new Error(`cp -al failed: ${cp.stderr}`);
    if (!second.kept || !update.kept || first.kept || other.kept)
      throw new Error('the second set-up did not keep the root, or a first one did');
    results.push({ first, second, update, other, cpMs });
    log(
      `run ${run}: first ${s(first.ms)}, second ${s(second.ms)} (kept), with --update ${s(update.ms)}, another recipe ${s(other.ms)}, cp -al ${s(cpMs)}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const r0 = results[0];
const m = (k) => median(results.map((r) => r[k].ms));
const step = (k, name) => median(results.map((r) => r[k].steps[name] ?? 0));
const cpMs = median(results.map((r) => r.cpMs));
const [first, second, update, other] = [m('first'), m('second'), m('update'), m('other')];
console.log(
  `\nbuild root: ${r0.first.installed} packages (${packages.length} asked: base + gnu), ${r0.first.entries} entries; repository of ${set.packages} + stand-ins, served over HTTP`,
);
console.log(
  `medians of ${RUNS} runs, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpus().length} cores`,
);
console.log(
  `  first set-up       ${s(first)}  (resolve ${s(step('first', 'resolve'))}, fetch ${s(step('first', 'fetch'))}, precache ${s(step('first', 'precache'))}, register ${s(step('first', 'register'))}, build ${s(step('first', 'build'))}, blit ${s(step('first', 'blit'))})`,
);
console.log(
  `  second set-up      ${s(second)}  (resolve ${s(step('second', 'resolve'))}, check and keep ${s(median(results.map((r) => r.second.ms - (r.second.steps.resolve ?? 0))))})  ${second <= 1000 ? 'meets' : 'MISSES'} the 1 s goal`,
);
console.log(`  with --update      ${s(update)}  (one conditional index request, 304)`);
console.log(
  `  another recipe     ${s(other)}  (resolve ${s(step('other', 'resolve'))}, build ${s(step('other', 'build'))}, blit ${s(step('other', 'blit'))}; nothing downloaded)`,
);
console.log(`  cp -al of its /usr ${s(cpMs)}  (the physical cost of linking the tree)`);
console.log(
  `ratios: second / first = ${(second / first).toFixed(3)}, another recipe / cp -al = ${(other / cpMs).toFixed(2)}, blit / cp -al = ${(step('other', 'blit') / cpMs).toFixed(2)}`,
);
server.stdin.end();
server.kill();
