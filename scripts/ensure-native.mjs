// Builds native addons for the Node that runs this repo's scripts (the pinned `node` devDependency).
//
// Why: on this machine kind npm's user config sets `nodedir` to the system Node 20 headers, so a
// plain install compiles better-sqlite3 for ABI 115, which Node 24 refuses to load. pnpm may also
// restore a build cached under another Node. We therefore never let the package build itself
// (it is left out of `onlyBuiltDependencies`) and build it here, once, against the headers that
// ship inside the pinned Node package. A module that already loads is left alone, so a repeated
// `pnpm install` costs one child process per addon.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const ADDONS = ['better-sqlite3'];

function nodeHeadersDir() {
  const exe = realpathSync(process.execPath);
  const prefix = dirname(dirname(exe));
  const candidates = [join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`), prefix];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  throw new Error(
    `no Node headers found next to ${exe} (looked in ${candidates.join(', ')}); ` +
      'run `pnpm install` again so the pinned node package is complete',
  );
}

function copiesOf(name) {
  const store = join(root, 'node_modules', '.pnpm');
  if (!existsSync(store)) return [];
  return readdirSync(store)
    .filter((d) => d.startsWith(`${name}@`))
    .map((d) => join(store, d, 'node_modules', name))
    .filter((d) => existsSync(join(d, 'package.json')));
}

function loads(dir) {
  const probe =
    name === 'better-sqlite3'
      ? `const D=require(${JSON.stringify(dir)}); new D(':memory:').prepare('select 1').get();`
      : `require(${JSON.stringify(dir)})`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  return { ok: r.status === 0, why: (r.stderr || '').split('\n').find((l) => l.includes('Error')) };
}

let name = '';
const require = createRequire(import.meta.url);
for (name of ADDONS) {
  for (const dir of copiesOf(name)) {
    const before = loads(dir);
    if (before.ok) continue;
    console.log(
      `[ensure-native] building ${name} for Node ${process.version} (${before.why ?? 'not built'})`,
    );
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.toLowerCase() === 'npm_config_nodedir') delete env[k];
    const gyp = require.resolve('node-gyp/bin/node-gyp.js');
    const r = spawnSync(
      process.execPath,
      [gyp, 'rebuild', '--release', `--nodedir=${nodeHeadersDir()}`, `--jobs=max`],
      { cwd: dir, stdio: 'inherit', env },
    );
    if (r.status !== 0) {
      console.error(
        `[ensure-native] building ${name} in ${dir} failed (exit ${r.status}); a C++ compiler, make and python3 are needed`,
      );
      process.exit(1);
    }
    const after = loads(dir);
    if (!after.ok) {
      console.error(`[ensure-native] ${name} was built but still does not load: ${after.why}`);
      process.exit(1);
    }
  }
}
