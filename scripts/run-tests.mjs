// The whole test suite: lint, type-check/build and every package's tests (e2e included),
// through nx so unchanged projects are served from its cache. At the end it prints one plain
// line, `N passed, N failed, N skipped`, summed from each project's vitest JSON report, so a
// reader of the log sees the total without scrolling through every project.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const groups = ['packages', 'tools', 'e2e'];
const projectDirs = () =>
  groups.flatMap((g) => (g === 'e2e' ? ['e2e'] : existsSync(g) ? readdirSync(g).map((d) => join(g, d)) : []));
// Reports of an earlier run must not be counted again: nx restores them from its cache for
// tasks it does not re-run, and writes them anew for those it does.
for (const dir of projectDirs()) rmSync(join(dir, '.test-results.json'), { force: true });

const args = ['run-many', '-t', 'build', 'lint', 'test', '--outputStyle=stream', ...process.argv.slice(2)];
// nx runs each package's scripts as `pnpm run <script>`, and first strips every PATH entry
// under the workspace's node_modules (nx's run-script executor), so the pinned pnpm in
// node_modules/.bin is invisible to it. A one-line shim outside node_modules makes it visible
// whether this runs from `npm test`, `npx pnpm ...` or directly.
const bin = join(process.cwd(), 'node_modules', '.bin');
const shims = join(process.cwd(), 'tmp', 'bin');
mkdirSync(shims, { recursive: true });
// pnpm's exports map hides its files from require.resolve: take the linked package's own path.
const pnpmCli = join(realpathSync(join(process.cwd(), 'node_modules', 'pnpm')), 'bin', 'pnpm.cjs');
writeFileSync(join(shims, 'pnpm'), `#!/bin/sh\nexec "${process.execPath}" "${pnpmCli}" "$@"\n`, {
  mode: 0o755,
});
const r = spawnSync(join(bin, 'nx'), args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    PATH: `${shims}:${bin}:${process.env.PATH ?? ''}`,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
  },
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of projectDirs()) {
  const file = join(dir, '.test-results.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status ?? 1);
