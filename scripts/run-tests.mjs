// The whole test suite: lint, type-check/build, the packaging checks (publint, attw: see
// check-packages.mjs) and every package's tests (e2e included),
// through nx so unchanged projects are served from its cache. At the end it prints one plain
// line, `N passed, N failed, N skipped`, summed from each project's vitest JSON report, so a
// reader of the log sees the total without scrolling through every project.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runNx } from './nx.mjs';

// Files outside every project (scripts/, docs/, the README) are linted here; each project lints
// its own through nx below.
const rootLint = spawnSync('biome', ['check', 'scripts', 'docs', 'README.md', 'biome.json', 'package.json'], {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${join('node_modules', '.bin')}:${process.env.PATH}` },
});

// The layering rules (.dependency-cruiser.cjs): libraries never import tools, the pure packages
// import no I/O package, no file cycles, packages meet only through their indexes.
const layers = spawnSync(process.execPath, [join('scripts', 'check-layers.mjs')], { stdio: 'inherit' });

const groups = ['packages', 'tools', 'e2e'];
const projectDirs = () =>
  groups.flatMap((g) => (g === 'e2e' ? ['e2e'] : existsSync(g) ? readdirSync(g).map((d) => join(g, d)) : []));
// Reports of an earlier run must not be counted again: nx restores them from its cache for
// tasks it does not re-run, and writes them anew for those it does.
for (const dir of projectDirs()) rmSync(join(dir, '.test-results.json'), { force: true });

const status = runNx([
  'run-many',
  '-t',
  'build',
  'lint',
  'check-package',
  'test',
  '--outputStyle=stream',
  ...process.argv.slice(2),
]);

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
process.exit(rootLint.status === 0 && layers.status === 0 ? status : 1);
