// One copy of the real package graph as stones, for the repository benchmark (issue 6): every
// package of `../shared/fixtures/recipes/*/*/manifest.x86_64.jsonc` with its name, version,
// provides, depends and file list, plus one stand-in package for each provider the graph
// depends on but does not contain (libc, python, ...), so that resolving the graph follows
// every depend instead of dropping the ones that point outside the set.
//
// The file layout and the classification of paths (directories, library symlinks, regular files)
// come from `packages/system/bench/generate-stones.mjs` (`planPackages` with no replication);
// unlike that generator, which drops the depends it cannot satisfy, this one keeps them all.
// Cached under the given directory keyed by a version string: a re-run only reads `graph.json`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { formatDependency, parseDependency, writePackage } from '@serpent/stone';
import { planPackages, readManifests } from '../../packages/system/bench/generate-stones.mjs';

// Bump when the generated shape changes, so stale caches are not reused.
const CACHE_VERSION = 'g1';
// Level 1: the contents are tiny and generated once; install decodes whatever level it gets.
const LEVEL = 1;

/** `name` for a bare-name depend (the stand-in must be called that), a file-safe name otherwise. */
function standInName(dep) {
  if (dep.kind === 'name') return dep.name;
  const slug = `${dep.kind}-${dep.name}`
    .toLowerCase()
    .replace(/[^a-z0-9.+-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `standin-${slug}`;
}

/**
 * Plans the graph (pure): the manifest packages with every depend restored, then one stand-in
 * per distinct provider that no manifest package provides. Each stand-in holds one small file,
 * so the install also lays it out.
 */
export function planGraph(manifests) {
  const { packages } = planPackages(manifests, 0);
  const dependsOf = new Map();
  for (const { manifest } of manifests) {
    for (const p of Object.values(manifest.packages)) {
      if (dependsOf.has(p.name)) throw new Error(`package ${p.name} is in two manifests`);
      dependsOf.set(
        p.name,
        (p.depends ?? []).map(parseDependency).filter((d) => d !== undefined),
      );
    }
  }
  const provided = new Set();
  for (const p of packages) {
    provided.add(`name(${p.name})`);
    for (const d of p.provides) provided.add(formatDependency(d));
  }
  const missing = new Map();
  const graph = packages.map((p) => {
    const depends = dependsOf.get(p.name);
    for (const d of depends) {
      const key = formatDependency(d);
      if (!provided.has(key) && !missing.has(key)) missing.set(key, d);
    }
    return { ...p, depends, standIn: false };
  });
  const names = new Set(graph.map((p) => p.name));
  for (const [key, dep] of [...missing].sort(([a], [b]) => a.localeCompare(b))) {
    const name = standInName(dep);
    if (names.has(name)) throw new Error(`stand-in name ${name} (for ${key}) is taken`);
    names.add(name);
    graph.push({
      recipe: name,
      name,
      version: '1',
      release: 1,
      files: [{ path: `/usr/share/bench-standins/${name}`, type: 'regular' }],
      provides: dep.kind === 'name' ? [] : [dep],
      depends: [],
      standIn: true,
    });
  }
  return { packages: graph, standIns: missing.size };
}

/** Entries for `writePackage`: `/usr/x` → `x`, distinct small contents (path and package). */
function entriesOf(pkg) {
  return pkg.files.map((f) => {
    const target = f.path.replace(/^\/usr\//, '');
    if (f.type === 'directory') return { type: 'directory', target, mode: 0o755 };
    if (f.type === 'symlink') return { type: 'symlink', target, source: f.source };
    return {
      type: 'regular',
      target,
      mode: /^(bin|sbin|libexec)\//.test(target) ? 0o755 : 0o644,
      content: Buffer.from(`${pkg.name} ${pkg.version}-${pkg.release}\n${target}\n`),
    };
  });
}

/**
 * Returns the cached graph under `cacheDir` (stones in `<dir>/stones`), generating it first
 * when absent or stale. `log` gets progress lines.
 */
export async function ensureGraph(recipesDir, cacheDir, log = () => {}) {
  const dir = join(cacheDir, `graph-${CACHE_VERSION}`);
  const infoFile = join(dir, 'graph.json');
  if (existsSync(infoFile)) return { ...JSON.parse(readFileSync(infoFile, 'utf8')), dir, cached: true };
  rmSync(dir, { recursive: true, force: true });
  const stonesDir = join(dir, 'stones');
  mkdirSync(stonesDir, { recursive: true });
  const manifests = readManifests(recipesDir);
  const plan = planGraph(manifests);
  log(`generating ${plan.packages.length} stones (${plan.standIns} stand-ins) into ${dir}`);
  const t0 = performance.now();
  const counts = { regular: 0, symlink: 0, directory: 0 };
  let next = 0;
  // writePackage awaits zstd and an fsync per stone: a few in flight keep both cores busy.
  const worker = async () => {
    while (next < plan.packages.length) {
      const pkg = plan.packages[next++];
      await writePackage(join(stonesDir, `${pkg.name}-${pkg.version}-${pkg.release}-1-x86_64.stone`), {
        level: LEVEL,
        entries: entriesOf(pkg),
        meta: {
          name: pkg.name,
          version: pkg.version,
          release: pkg.release,
          buildRelease: 1,
          architecture: 'x86_64',
          summary: `${pkg.name}, generated for the repository benchmark`,
          description: pkg.standIn
            ? `A stand-in for a provider the fixture graph depends on but does not contain.`
            : `The layout of ${pkg.recipe}'s ${pkg.name}.`,
          homepage: 'https://serpentos.com',
          sourceId: pkg.recipe,
          licenses: ['MPL-2.0'],
          depends: pkg.depends,
          provides: pkg.provides,
          conflicts: [],
        },
      });
      for (const f of pkg.files) counts[f.type]++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker));
  const info = {
    version: CACHE_VERSION,
    manifests: manifests.length,
    packages: plan.packages.length,
    standIns: plan.standIns,
    names: plan.packages.map((p) => p.name),
    files: counts.regular,
    symlinks: counts.symlink,
    directories: counts.directory,
    depends: plan.packages.reduce((n, p) => n + p.depends.length, 0),
    generateMs: Math.round(performance.now() - t0),
  };
  writeFileSync(infoFile, `${JSON.stringify(info)}\n`);
  return { ...info, dir, cached: false };
}
