// Start-up of moss against bare Node, in the same run (issue 16). For each way moss is run —
// the command on PATH (the shell script `npm run setup` writes, exec'ing the pinned Node on the
// bundled bin) and the single executable (tools/moss/single/moss, `npm run sea`) — it times
// `moss --version`, `moss list installed` and `moss info NAME` on a root of about 1,600
// installed packages, each paired with `node -e 0` of the pinned Node: A B A B …, the wall time
// of each whole process, medians and the median of the pairwise ratios, and the load average.
//
// Goals: `moss --version` within 2.5x of bare Node; `moss list installed` at or under the
// original Rust moss's 0.083 s on this machine kind (measured beside Node at 0.042 s: 2.0x).
//
//   node bench/startup.bench.mjs [runs]        (from e2e/, after a build; `npm run sea` first
//                                               to include the single executable)
// The root is installed once (a few minutes) into e2e/.bench/ and reused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureStartupRoot } from './startup-root.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const recipesDir = join(repo, '..', 'shared', 'fixtures', 'recipes');
const RUNS = Number(process.argv[2] ?? 21);
const WARMUP = 3;
const GOAL_VERSION_RATIO = 2.5;
const ORIGINAL_LIST_S = 0.083;
const ORIGINAL_NODE_S = 0.042;

if (!existsSync(recipesDir)) {
  console.log('startup bench SKIPPED: ../shared/fixtures/recipes (next to the repository) is absent');
  process.exit(0);
}
if (!existsSync(join(repo, 'tools', 'moss', 'dist', 'bundle', 'moss.cjs'))) {
  console.log('startup bench SKIPPED: moss is not built (run `npm run build`)');
  process.exit(0);
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const node = realpathSync(process.execPath);
console.log(
  `load average ${load()} (1/5/15 min) on ${availableParallelism()} cores, node ${process.version}`,
);

const { root, packages, names, cached } = await ensureStartupRoot(
  recipesDir,
  join(here, '..', '.bench'),
  [node, join(repo, 'tools', 'moss', 'bin', 'moss.js')],
  (line) => console.log(line),
);
console.log(`root: ${packages} packages installed${cached ? ' (cached)' : ''}`);

// The command on PATH, written exactly as `npm run setup` writes it, into a directory of its own.
const binDir = mkdtempSync(join(tmpdir(), 'moss-startup-bin-'));
const linked = spawnSync(node, [join(repo, 'scripts', 'link-bins.mjs')], {
  env: { ...process.env, SERPENT_BIN_DIR: binDir },
  encoding: 'utf8',
});
if (linked.status !== 0) throw new Error(`link-bins failed: ${linked.stderr}`);
const variants = [['PATH (bin shim)', join(binDir, 'moss')]];
const sea = join(repo, 'tools', 'moss', 'single', 'moss');
if (existsSync(sea)) variants.push(['single executable', sea]);
else console.log('(no single executable: `npm run sea` makes tools/moss/single/moss)');

const info = names.find((n) => n.startsWith('glibc')) ?? names[0];
const commands = [
  ['--version', ['--version']],
  ['list installed', ['-D', root, 'list', 'installed']],
  [`info ${info}`, ['-D', root, 'info', info]],
];

function wall(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return s;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const ms = (s) => `${(s * 1000).toFixed(1)} ms`;

const rows = [];
for (const [variant, exe] of variants) {
  for (const [what, args] of commands) {
    for (let i = 0; i < WARMUP; i++) {
      wall(exe, args);
      wall(node, ['-e', '0']);
    }
    const a = [];
    const b = [];
    const ratios = [];
    for (let i = 0; i < RUNS; i++) {
      const x = wall(exe, args);
      const y = wall(node, ['-e', '0']);
      a.push(x);
      b.push(y);
      ratios.push(x / y);
    }
    const row = {
      variant,
      what,
      moss: median(a),
      node: median(b),
      ratio: median(ratios),
      min: Math.min(...a),
    };
    rows.push(row);
    console.log(
      `${variant.padEnd(18)} moss ${what.padEnd(24)} ${ms(row.moss).padStart(9)}  node -e 0 ${ms(row.node).padStart(9)}  ` +
        `ratio ${row.ratio.toFixed(2)}x (min ${ms(row.min)})`,
    );
  }
}
rmSync(binDir, { recursive: true, force: true });

console.log(`\n${RUNS} pairs each after ${WARMUP} warm-ups, medians; load average at the end ${load()}`);
console.log('| how moss runs | command | moss | `node -e 0` | ratio | goal |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const goal =
    r.what === '--version'
      ? `≤ ${GOAL_VERSION_RATIO}x: ${r.ratio <= GOAL_VERSION_RATIO ? 'met' : 'MISSED'}`
      : r.what === 'list installed'
        ? `≤ ${ms(ORIGINAL_LIST_S)} (${(ORIGINAL_LIST_S / ORIGINAL_NODE_S).toFixed(1)}x): ${
            r.moss <= ORIGINAL_LIST_S
              ? 'met'
              : r.ratio <= ORIGINAL_LIST_S / ORIGINAL_NODE_S
                ? 'met as a ratio'
                : 'MISSED'
          }`
        : '';
  console.log(
    `| ${r.variant} | \`moss ${r.what}\` | ${ms(r.moss)} | ${ms(r.node)} | ${r.ratio.toFixed(2)}x | ${goal} |`,
  );
}
