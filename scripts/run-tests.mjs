// The whole test suite: lint, type-check/build and every package's tests (e2e included),
// through nx so unchanged projects are served from its cache. At the end it prints one plain
// line, `N passed, N failed, N skipped`, summed from each project's vitest JSON report, so a
// reader of the log sees the total without scrolling through every project.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = ['run-many', '-t', 'build', 'lint', 'test', '--outputStyle=stream', ...process.argv.slice(2)];
const r = spawnSync('nx', args, {
  stdio: 'inherit',
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'tools', 'e2e']) {
  const dirs =
    group === 'e2e' ? ['e2e'] : existsSync(group) ? readdirSync(group).map((d) => join(group, d)) : [];
  for (const dir of dirs) {
    const file = join(dir, '.test-results.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status ?? 1);
