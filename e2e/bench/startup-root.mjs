// A root of about 1,600 installed packages for the start-up benchmark (issue 16): every package
// of `../shared/fixtures/recipes` replicated six times (1,560 packages, about 280k files:
// `packages/system/bench/generate-stones.mjs`), indexed and installed by name with the real
// moss from a file:// repository. Installing it takes minutes, so it is kept under e2e/.bench/
// (ignored by git) keyed by the stone set, and a finished root is marked by a file written last.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStones, readManifests } from '../../packages/system/bench/generate-stones.mjs';

/** Replicas of the fixture graph: 6 x 260 packages = 1,560, the size of the real repository. */
export const REPLICAS = 6;

/**
 * Returns `{ root, packages, names, cached }` for the installed set under `cacheDir`, installing
 * it first with `mossCommand` (an argv prefix, e.g. [node, moss.js]) when absent.
 */
export async function ensureStartupRoot(recipesDir, cacheDir, mossCommand, log = () => {}) {
  // ensureStones replicates until it has `minFiles` regular files: ask for just over five sets.
  const manifests = readManifests(recipesDir);
  const perSet = manifests
    .flatMap(({ manifest }) => Object.values(manifest.packages))
    .reduce((n, p) => n + (p.files?.length ?? 0), 0);
  const set = await ensureStones(recipesDir, cacheDir, Math.floor(perSet * (REPLICAS - 0.5)), log);
  const dir = join(cacheDir, `startup-root-${set.version}-${set.packages}`);
  const done = join(dir, 'installed.json');
  if (existsSync(done))
    return { ...JSON.parse(readFileSync(done, 'utf8')), root: join(dir, 'root'), cached: true };
  rmSync(dir, { recursive: true, force: true });
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  const stones = join(set.dir, 'stones');
  const moss = (args) => {
    const r = spawnSync(mossCommand[0], [...mossCommand.slice(1), ...args], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (r.status !== 0)
      throw new Error(`moss ${args.slice(0, 4).join(' ')} failed (${r.status}):\n${r.stderr}`);
    return r.stdout;
  };
  if (!existsSync(join(stones, 'stone.index'))) moss(['index', stones]);
  moss(['-D', root, 'repo', 'add', 'bench', `file://${join(stones, 'stone.index')}`]);
  const names = JSON.parse(moss(['-D', root, 'list', 'available', '--json'])).map((p) => p.name);
  log(`installing ${names.length} packages into ${root} (a few minutes, once)`);
  const t0 = performance.now();
  moss(['-D', root, 'install', ...names, '-y']);
  const info = { packages: names.length, names, installMs: Math.round(performance.now() - t0) };
  writeFileSync(done, `${JSON.stringify(info)}\n`);
  return { ...info, root, cached: false };
}
