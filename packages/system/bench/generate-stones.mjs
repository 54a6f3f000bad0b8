// Generates the transaction benchmark's packages: one stone per package of every
// `../shared/fixtures/recipes/*/*/manifest.x86_64.jsonc`, with that package's paths, name,
// provides and depends, replicated with suffixed names and paths until there are at least
// `minFiles` files. Cached under `.bench/` keyed by a version string, so a re-run only reads
// `index.json`.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';
import { formatDependency, parseDependency, writePackage } from '@serpent/stone';

// Bump when the generated shape or the writer's bytes change, so stale caches are not reused
// (v4: the writer no longer appends an empty zstd frame, which the reader now refuses).
const CACHE_VERSION = 'v4';
// Level 1: generation is a one-off cost and the contents are tiny; the level does not change
// what the install does (it decodes whatever level it is given).
const LEVEL = 1;

/** The fixture manifests, parsed: JSON after a leading `/** ... *\/` comment line. */
export function readManifests(recipesDir) {
  const out = [];
  for (const letter of readdirSync(recipesDir).sort()) {
    const dir = join(recipesDir, letter);
    for (const recipe of readdirSync(dir).sort()) {
      const file = join(dir, recipe, 'manifest.x86_64.jsonc');
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8').replace(/^\s*\/\*[\s\S]*?\*\//, '');
      out.push({ recipe, file, manifest: JSON.parse(text) });
    }
  }
  return out;
}

// A shared library name (`libz.so`, `libz.so.1`) is, in a real package, a symlink to the fully
// versioned file beside it; the manifests list every path as a file, so this restores them.
const SONAME = /\.so(\.\d+)*$/;

/** Every parent directory of every listed path, across all manifests. */
function parentDirs(paths) {
  const dirs = new Set();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 2; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/**
 * Classifies the listed paths of one recipe: a path that is a parent of another listed path
 * (in any manifest: glib2 lists `/usr/lib/gio/modules`, dconf a file in it) is a directory, a
 * short library name with a longer versioned sibling is a symlink to it, the rest are regular
 * files. Returns a map path → entry shape (without the replica suffix).
 */
function classify(allPaths, dirs) {
  const listed = new Set(allPaths);
  const byDir = new Map();
  for (const p of allPaths) {
    const d = posix.dirname(p);
    if (!byDir.has(d)) byDir.set(d, []);
    byDir.get(d).push(posix.basename(p));
  }
  const kinds = new Map();
  for (const p of allPaths) {
    if (dirs.has(p)) {
      kinds.set(p, { type: 'directory' });
      continue;
    }
    const base = posix.basename(p);
    if (SONAME.test(base)) {
      const longer = byDir
        .get(posix.dirname(p))
        .filter((b) => b.startsWith(`${base}.`) && !dirs.has(`${posix.dirname(p)}/${b}`))
        .sort((a, b) => b.length - a.length)[0];
      if (longer !== undefined) {
        kinds.set(p, { type: 'symlink', source: longer });
        continue;
      }
    }
    kinds.set(p, { type: 'regular' });
  }
  if (kinds.size !== listed.size) throw new Error('classify lost paths');
  return kinds;
}

// Trigger definitions are left out: with generated contents they are not triggers (the engine
// warns and skips them), and the real ones run tools (glib-compile-schemas, ...) that a
// generated root does not have. 21 of the 325k files.
const TRIGGERS = /^\/usr\/share\/moss\/triggers\//;

/** `/usr/lib/x` → `lib/x` (replica 1) or `lib/r3/x` (replica 3): same top-level shape. */
function replicaTarget(path, r) {
  const rel = path.replace(/^\/usr\//, '');
  if (r === 1) return rel;
  const slash = rel.indexOf('/');
  return slash < 0 ? `r${r}-${rel}` : `${rel.slice(0, slash)}/r${r}${rel.slice(slash)}`;
}

const suffixDep = (d, r) => (r === 1 ? d : { kind: d.kind, name: `${d.name}-r${r}` });

/**
 * Plans the package set (pure): replicas of every manifest package until `minFiles` regular
 * files, depends limited to what the set provides, and the package to remove (a leaf: nothing
 * depends on it, fewest entries).
 */
export function planPackages(manifests, minFiles) {
  const base = [];
  const filesOf = (m) => Object.values(m.packages).flatMap((p) => p.files ?? []);
  const dirs = parentDirs(manifests.flatMap(({ manifest }) => filesOf(manifest)));
  for (const { recipe, manifest } of manifests) {
    const kinds = classify(filesOf(manifest), dirs);
    for (const p of Object.values(manifest.packages)) {
      base.push({
        recipe,
        name: p.name,
        version: manifest['source-version'] ?? '1',
        release: Number(manifest['source-release'] ?? 1),
        files: (p.files ?? []).filter((f) => !TRIGGERS.test(f)).map((f) => ({ path: f, ...kinds.get(f) })),
        provides: (p.provides ?? []).map(parseDependency).filter((d) => d !== undefined),
        depends: (p.depends ?? []).map(parseDependency).filter((d) => d !== undefined),
      });
    }
  }
  // Providers of the base set; a depend nothing here provides (libc, python, ...) is dropped.
  const provided = new Set();
  for (const p of base) {
    provided.add(`name(${p.name})`);
    for (const d of p.provides) provided.add(formatDependency(d));
  }
  let dropped = 0;
  for (const p of base) {
    const before = p.depends.length;
    p.depends = p.depends.filter((d) => provided.has(formatDependency(d)));
    dropped += before - p.depends.length;
  }
  const regularPerSet = base.reduce((n, p) => n + p.files.filter((f) => f.type === 'regular').length, 0);
  const replicas = Math.max(1, Math.ceil(minFiles / regularPerSet));
  const packages = [];
  for (let r = 1; r <= replicas; r++) {
    for (const p of base) {
      packages.push({
        ...p,
        name: r === 1 ? p.name : `${p.name}-r${r}`,
        replica: r,
        provides: p.provides.map((d) => suffixDep(d, r)),
        depends: p.depends.map((d) => suffixDep(d, r)),
      });
    }
  }
  const required = new Set(packages.flatMap((p) => p.depends.map(formatDependency)));
  const leaves = packages.filter(
    (p) =>
      p.replica === 1 &&
      p.files.length > 0 &&
      !required.has(`name(${p.name})`) &&
      !p.provides.some((d) => required.has(formatDependency(d))),
  );
  leaves.sort((a, b) => a.files.length - b.files.length || a.name.localeCompare(b.name));
  return {
    packages,
    replicas,
    droppedDepends: dropped,
    removeName: leaves[0]?.name,
    leaves: leaves.map((p) => p.name),
  };
}

/** Entries for `writePackage`: distinct small contents (the path and package name). */
function entriesOf(pkg) {
  return pkg.files.map((f) => {
    const target = replicaTarget(f.path, pkg.replica);
    if (f.type === 'directory') return { type: 'directory', target, mode: 0o755 };
    if (f.type === 'symlink') return { type: 'symlink', target, source: f.source };
    const exec = /^(bin|sbin|libexec)\//.test(target);
    return {
      type: 'regular',
      target,
      mode: exec ? 0o755 : 0o644,
      content: Buffer.from(`${pkg.name} ${pkg.version}-${pkg.release}\n${target}\n`),
    };
  });
}

/**
 * Returns the cached set under `cacheDir`, generating it first when absent or stale.
 * `log` gets progress lines.
 */
export async function ensureStones(recipesDir, cacheDir, minFiles, log = () => {}) {
  const dir = join(cacheDir, `transaction-${CACHE_VERSION}-${minFiles}`);
  const indexFile = join(dir, 'index.json');
  if (existsSync(indexFile)) return { ...JSON.parse(readFileSync(indexFile, 'utf8')), dir, cached: true };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'stones'), { recursive: true });
  const manifests = readManifests(recipesDir);
  const plan = planPackages(manifests, minFiles);
  log(
    `generating ${plan.packages.length} stones (${manifests.length} manifests x ${plan.replicas}) into ${dir}`,
  );
  const t0 = performance.now();
  const stones = [];
  const counts = { regular: 0, symlink: 0, directory: 0 };
  let next = 0;
  // writePackage awaits zstd and an fsync per stone: a few in flight keep both cores busy.
  const worker = async () => {
    while (next < plan.packages.length) {
      const i = next++;
      const pkg = plan.packages[i];
      const file = `${String(i).padStart(5, '0')}-${pkg.name}.stone`;
      await writePackage(join(dir, 'stones', file), {
        level: LEVEL,
        entries: entriesOf(pkg),
        meta: {
          name: pkg.name,
          version: pkg.version,
          release: pkg.release,
          buildRelease: 1,
          architecture: 'x86_64',
          summary: `${pkg.name}, generated for the transaction benchmark`,
          description: `The layout of ${pkg.recipe}'s ${pkg.name} (replica ${pkg.replica}).`,
          homepage: 'https://serpentos.com',
          sourceId: pkg.replica === 1 ? pkg.recipe : `${pkg.recipe}-r${pkg.replica}`,
          licenses: ['MPL-2.0'],
          depends: pkg.depends,
          provides: pkg.provides,
          conflicts: [],
        },
      });
      for (const f of pkg.files) counts[f.type]++;
      stones[i] = file;
      if ((i + 1) % 200 === 0) log(`  ${i + 1}/${plan.packages.length} stones`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker));
  const index = {
    version: CACHE_VERSION,
    packages: plan.packages.length,
    replicas: plan.replicas,
    manifests: manifests.length,
    files: counts.regular,
    symlinks: counts.symlink,
    directories: counts.directory,
    droppedDepends: plan.droppedDepends,
    removeName: plan.removeName,
    stones,
    generateMs: Math.round(performance.now() - t0),
  };
  writeFileSync(indexFile, `${JSON.stringify(index)}\n`);
  return { ...index, dir, cached: false };
}

/**
 * New releases of every tenth package of the set (10%), every regular file's content changed,
 * as a sync brings them: the transaction benchmark's sync. Cached beside the stones.
 */
export async function ensureUpgrades(recipesDir, set, minFiles, log = () => {}, step = 1) {
  // step 1: the next release (`upgrades/`); step 2: the one after (`upgrades-2/`), whose every
  // file differs again, for a second sync that stores as much as the first.
  const dir = join(set.dir, step === 1 ? 'upgrades' : `upgrades-${step}`);
  const indexFile = join(dir, 'index.json');
  if (existsSync(indexFile)) return { ...JSON.parse(readFileSync(indexFile, 'utf8')), dir, cached: true };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const plan = planPackages(readManifests(recipesDir), minFiles);
  const chosen = plan.packages.filter((_, i) => i % 10 === 0);
  log(`generating ${chosen.length} upgraded stones (every tenth package, release +${step}) into ${dir}`);
  const t0 = performance.now();
  const stones = [];
  let files = 0;
  let next = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const i = next++;
      const pkg = { ...chosen[i], release: chosen[i].release + step };
      const file = `${String(i).padStart(4, '0')}-${pkg.name}.stone`;
      const entries = entriesOf(pkg);
      files += entries.filter((e) => e.type === 'regular').length;
      await writePackage(join(dir, file), {
        level: LEVEL,
        entries,
        meta: {
          name: pkg.name,
          version: pkg.version,
          release: pkg.release,
          buildRelease: 1,
          architecture: 'x86_64',
          summary: `${pkg.name}, generated for the transaction benchmark (upgrade)`,
          description: `The layout of ${pkg.recipe}'s ${pkg.name} (replica ${pkg.replica}), next release.`,
          homepage: 'https://serpentos.com',
          sourceId: pkg.replica === 1 ? pkg.recipe : `${pkg.recipe}-r${pkg.replica}`,
          licenses: ['MPL-2.0'],
          depends: pkg.depends,
          provides: pkg.provides,
          conflicts: [],
        },
      });
      stones[i] = file;
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker));
  const index = { packages: chosen.length, files, stones, generateMs: Math.round(performance.now() - t0) };
  writeFileSync(indexFile, `${JSON.stringify(index)}\n`);
  return { ...index, dir, cached: false };
}

/** The leaf packages of the set (nothing depends on them), fewest entries first. */
export function benchLeaves(recipesDir, minFiles) {
  return planPackages(readManifests(recipesDir), minFiles).leaves;
}
