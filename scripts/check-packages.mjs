// Checks every publishable package as a registry user would get it, after a build (nx target
// `check-package` of each package, run by scripts/run-tests.mjs; exits 1 on any finding):
//
// - publint (strict, every level down to suggestions) on the packed files: exports, files, types;
// - @arethetypeswrong/cli (the `esm-only` profile: our packages are ESM and say so) on the
//   packed tarball: the types resolve for `node16` and bundler consumers;
// - our own rules: a LICENSE identical to the root's, a license field, engines and files set,
//   publishConfig.access public, no `workspace:` range left in peerDependencies, and a README
//   that stands alone (no path into this repository's fixtures or `../shared`);
// - engines honesty: a package claiming an older Node than 22.15 is imported from its built
//   `dist/` under such a Node when the machine has one (the Node 20 of this machine kind).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'node_modules', '.bin');
const rootLicense = readFileSync(join(repo, 'LICENSE'), 'utf8');

// The packages named on the command line (nx runs it per project as `check-package`), or all.
const named = process.argv.slice(2).map((d) => resolve(d));
const dirs =
  named.length > 0
    ? named
    : ['packages', 'tools'].flatMap((g) =>
        readdirSync(join(repo, g))
          .map((d) => join(repo, g, d))
          .filter((d) => existsSync(join(d, 'package.json'))),
      );

/** Runs a command, resolving its status and output (never throws). */
function run(cmd, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** A Node on PATH (or /usr/bin/node) that lacks zstd in node:zlib, i.e. older than 22.15. */
function oldNode() {
  const which = spawnSync('sh', ['-c', 'which -a node; echo /usr/bin/node'], { encoding: 'utf8' });
  for (const exe of new Set(which.stdout.split('\n').filter(Boolean))) {
    const r = spawnSync(exe, ['-p', 'typeof require("node:zlib").zstdCompressSync'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'undefined') return exe;
  }
  return undefined;
}

const STANDALONE = [/\.\.\/shared\b/, /shared\/(fixtures|reference|spec)\//, /\/work\//];
const old = oldNode();

async function check(dir) {
  const findings = [];
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) return { name: pkg.name, findings, skipped: true };
  if (pkg.license !== 'MPL-2.0') findings.push(`license is ${pkg.license}, not MPL-2.0`);
  if (!existsSync(join(dir, 'LICENSE')) || readFileSync(join(dir, 'LICENSE'), 'utf8') !== rootLicense) {
    findings.push('LICENSE is missing or differs from the root LICENSE');
  }
  if (!pkg.engines?.node) findings.push('no engines.node');
  if (!Array.isArray(pkg.files)) findings.push('no files list');
  if (pkg.publishConfig?.access !== 'public') findings.push('publishConfig.access is not public');
  for (const [dep, range] of Object.entries(pkg.peerDependencies ?? {})) {
    if (String(range).startsWith('workspace:')) findings.push(`peer dependency ${dep} is ${range}`);
  }
  const readme = existsSync(join(dir, 'README.md')) ? readFileSync(join(dir, 'README.md'), 'utf8') : '';
  if (readme === '') findings.push('no README.md');
  readme.split('\n').forEach((line, i) => {
    if (STANDALONE.some((re) => re.test(line))) {
      findings.push(`README.md:${i + 1} points outside the package: ${line.trim()}`);
    }
  });

  const publint = await run(join(bin, 'publint'), ['--strict', '--level', 'suggestion'], dir);
  if (publint.status !== 0 || !publint.out.includes('All good!'))
    findings.push(`publint:\n${publint.out.trim()}`);
  // attw checks types: a package without a types entry (the tools: a bin) has nothing to check.
  const hasTypes = JSON.stringify(pkg.exports ?? {}).includes('"types"');
  if (hasTypes) {
    const attw = await run(
      join(bin, 'attw'),
      ['--pack', '.', '--profile', 'esm-only', '--format', 'ascii'],
      dir,
    );
    if (attw.status !== 0) findings.push(`attw:\n${attw.out.trim()}`);
  }

  const floor = /^>=\s*(\d+)(?:\.(\d+))?/.exec(pkg.engines?.node ?? '');
  const claimsOld =
    floor && (Number(floor[1]) < 22 || (Number(floor[1]) === 22 && Number(floor[2] ?? 0) < 15));
  if (claimsOld && old && pkg.exports?.['.']) {
    const entry = join(dir, pkg.exports['.'].default);
    const r = await run(old, ['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`], dir);
    if (r.status !== 0)
      findings.push(`engines says ${pkg.engines.node}, but ${old} cannot import it:\n${r.out.trim()}`);
  }
  return { name: pkg.name, findings };
}

const results = [];
const queue = [...dirs];
// Two at a time: each check packs the package, and the machine has two cores.
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length > 0) {
      const dir = queue.shift();
      results.push({ dir, ...(await check(dir)) });
    }
  }),
);
let bad = 0;
for (const r of results.sort((a, b) => a.dir.localeCompare(b.dir))) {
  if (r.skipped) continue;
  if (r.findings.length === 0) {
    console.log(`ok    ${r.name}`);
    continue;
  }
  bad++;
  console.log(`FAIL  ${r.name} (${relative(repo, r.dir)})`);
  for (const f of r.findings) console.log(`  - ${f.replaceAll('\n', '\n    ')}`);
}
if (named.length > 0 && bad === 0) process.exit(0);
console.log(
  `check-packages: ${results.length - bad} of ${results.length} packages clean` +
    (old
      ? `; engines below 22.15 checked under ${old}`
      : '; no Node older than 22.15 here to check engines with'),
);
process.exit(bad === 0 ? 0 : 1);
