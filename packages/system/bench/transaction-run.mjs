// One transaction of the benchmark, in its own process so its peak RSS is its own:
//   node bench/transaction-run.mjs install ROOT PATH...   (.stone files, or directories of them)
//   node bench/transaction-run.mjs remove ROOT NAME...
//   node bench/transaction-run.mjs sync ROOT DIR          (every *.stone in DIR offered, as a repository would)
//   node bench/transaction-run.mjs activate ROOT ID
// Drives the engine through its public API (the built dist) and prints one JSON line on stdout:
// the engine's phase times, the time of what the engine does not time itself (open, and the
// plan: reading the stones and resolving), the total, how the tree was made (blit or in-place change, with entry counts), and
// this process's maxRSS and CPU time. With RSS=1 it also prints each phase's peak RSS on stderr.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openRoot } from '../dist/index.js';

const [mode, ROOT, ...args] = process.argv.slice(2);
if (!['install', 'remove', 'sync', 'activate'].includes(mode) || ROOT === undefined || args.length === 0) {
  console.error(
    'usage: transaction-run.mjs install ROOT PATH... | remove ROOT NAME... | sync ROOT DIR | activate ROOT ID',
  );
  process.exit(2);
}

const phases = {};
let rssMax = 0;
if (process.env.RSS)
  setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 50).unref();
let blitEntries = 0;
let changeEntries = 0;
const onEvent = (e) => {
  if (e.type === 'phase-end') {
    phases[e.phase] = (phases[e.phase] ?? 0) + e.ms;
    if (process.env.RSS) {
      const now = process.memoryUsage().rss;
      console.error(`rss ${e.phase} peak ${Math.round(Math.max(rssMax, now) / 1048576)} MB`);
      rssMax = 0;
    }
  } else if (e.type === 'blit-progress') blitEntries = e.total;
  else if (e.type === 'change-progress') changeEntries = e.total;
  else if (e.type === 'warning') console.error(`warning: ${e.message}`);
};
const timed = async (name, fn) => {
  const t = performance.now();
  const r = await fn();
  phases[name] = Math.round(performance.now() - t);
  return r;
};
const stonesIn = (paths) =>
  paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.stone'))
          .map((f) => join(p, f))
      : [p],
  );

const t0 = performance.now();
const root = await timed('open', () => openRoot(ROOT, { onEvent, wait: false }));
let state;
let changed;
try {
  if (mode === 'activate') {
    changed = 0;
    state = (await root.states.activate(Number(args[0]))).stateId;
  } else {
    // `resolve` covers reading the stones' metadata and SHA-256 too (the Root plans in one
    // call). A sync to local stones is their install: each replaces the installed release of
    // its name, as a sync to a repository offering them would (without the download).
    const plan = await timed('resolve', () =>
      mode === 'remove' ? root.plan({ remove: args }) : root.plan({ add: stonesIn(args) }),
    );
    changed = mode === 'remove' ? plan.remove.length : plan.install.length;
    state = (await root.commit(plan)).stateId;
  }
} finally {
  await root.close();
}
const totalMs = Math.round(performance.now() - t0);
const ru = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    mode,
    state,
    changed,
    phases,
    totalMs,
    how: phases.change !== undefined ? 'change' : phases.blit !== undefined ? 'blit' : 'swap',
    blitEntries,
    changeEntries,
    maxRssKb: ru.maxRSS,
    userMs: Math.round(ru.userCPUTime / 1000),
    systemMs: Math.round(ru.systemCPUTime / 1000),
  })}\n`,
);
