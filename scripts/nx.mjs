// Runs nx with a `pnpm` it can see. nx runs each package's scripts as `pnpm run <script>`, and
// its run-script executor first strips every PATH entry under the workspace's node_modules,
// so the pinned pnpm (a devDependency, in node_modules/.bin) is invisible to it, and `npm test`
// or `npx pnpm run …` do not put any other pnpm on PATH. A one-line shim under tmp/bin, outside
// node_modules, fixes that for every way the scripts are started.
//
//   node scripts/nx.mjs run-many -t build      (what `pnpm build`, `demo` and `bench` run)
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `nx ...args` from the repository root; returns its exit status. */
export function runNx(args) {
  const bin = join(root, 'node_modules', '.bin');
  const shims = join(root, 'tmp', 'bin');
  mkdirSync(shims, { recursive: true });
  // pnpm's exports map hides its files from require.resolve: take the linked package's path.
  const pnpmCli = join(realpathSync(join(root, 'node_modules', 'pnpm')), 'bin', 'pnpm.cjs');
  writeFileSync(join(shims, 'pnpm'), `#!/bin/sh\nexec "${process.execPath}" "${pnpmCli}" "$@"\n`, {
    mode: 0o755,
  });
  const r = spawnSync(join(bin, 'nx'), args, {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${shims}:${bin}:${process.env.PATH ?? ''}`,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
    },
  });
  return r.status ?? 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(runNx(process.argv.slice(2)));
}
