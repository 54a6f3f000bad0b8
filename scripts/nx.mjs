// Runs nx with a `pnpm` it can see. nx runs each package's scripts as `pnpm run <script>`, and
// its run-script executor first strips every PATH entry under the workspace's node_modules,
// so the pinned pnpm (a devDependency, in node_modules/.bin) is invisible to it, and `npm test`
// or `npx pnpm run …` do not put any other pnpm on PATH. A one-line shim under tmp/bin, outside
// node_modules, fixes that for every way the scripts are started.
//
//   node scripts/nx.mjs run-many -t build      (what `pnpm build`, `demo` and `bench` run)
//   node scripts/nx.mjs --quiet run-many ...    (set-up: one line unless something fails)
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs `nx ...args` from the repository root; returns its exit status. With `quiet`, nx's
 * output is kept and printed only if it fails (set-up shows one line for the whole build).
 */
export function runNx(args, { quiet = false } = {}) {
  const bin = join(root, 'node_modules', '.bin');
  const shims = join(root, 'tmp', 'bin');
  mkdirSync(shims, { recursive: true });
  // pnpm's exports map hides its files from require.resolve: take the linked package's path.
  const pnpmCli = join(realpathSync(join(root, 'node_modules', 'pnpm')), 'bin', 'pnpm.cjs');
  writeFileSync(join(shims, 'pnpm'), `#!/bin/sh\nexec "${process.execPath}" "${pnpmCli}" "$@"\n`, {
    mode: 0o755,
  });
  const t0 = performance.now();
  const r = spawnSync(join(bin, 'nx'), args, {
    cwd: root,
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: {
      ...process.env,
      PATH: `${shims}:${bin}:${process.env.PATH ?? ''}`,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
    },
  });
  if (quiet) {
    if (r.status === 0) {
      const m = /Successfully ran targets? (.+?) for (\d+) projects?/.exec(r.stdout ?? '');
      const secs = ((performance.now() - t0) / 1000).toFixed(0);
      console.log(
        m ? `${m[1]}: ${m[2]} projects done in ${secs} s` : `nx ${args.join(' ')}: done in ${secs} s`,
      );
    } else {
      process.stdout.write(r.stdout ?? '');
      process.stderr.write(r.stderr ?? '');
    }
  }
  return r.status ?? 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quiet = args[0] === '--quiet';
  process.exit(runNx(quiet ? args.slice(1) : args, { quiet }));
}
