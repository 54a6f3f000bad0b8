// One transaction of the benchmark, in its own process so its peak RSS is its own:
//   node bench/transaction-run.mjs install ROOT STONES_DIR   (every *.stone in it)
//   node bench/transaction-run.mjs remove ROOT NAME
// Drives the engine through its public API (the built dist) and prints one JSON line on stdout:
// the engine's phase times, the time of what the engine does not time itself (open, read,
// resolve), the total, the blit's entry count, and this process's maxRSS and CPU time.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  commitInstall,
  commitRemove,
  openInstallation,
  planInstall,
  planRemove,
  readLocalStones,
} from '../dist/index.js';

const [mode, root, ...args] = process.argv.slice(2);
if ((mode !== 'install' && mode !== 'remove') || root === undefined || args.length === 0) {
  console.error('usage: transaction-run.mjs install ROOT STONES_DIR | remove ROOT NAME');
  process.exit(2);
}

const phases = {};
let rssMax = 0;
if (process.env.RSS)
  setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 50).unref();
let blitEntries = 0;
const onEvent = (e) => {
  if (e.type === 'phase-end') {
    phases[e.phase] = (phases[e.phase] ?? 0) + e.ms;
    if (process.env.RSS) {
      console.error(
        e.phase,
        'max',
        Math.round(rssMax / 1048576),
        'end',
        Math.round(process.memoryUsage().rss / 1048576),
        'MB',
      );
      rssMax = 0;
    }
  } else if (e.type === 'blit-progress') blitEntries = e.total;
  else if (e.type === 'warning') console.error(`warning: ${e.message}`);
};
const timed = async (name, fn) => {
  const t = performance.now();
  const r = await fn();
  phases[name] = Math.round(performance.now() - t);
  return r;
};

const t0 = performance.now();
const inst = await timed('open', () => openInstallation(root, { onEvent, wait: false }));
let state;
let changed;
try {
  if (mode === 'install') {
    const dir = args[0];
    const paths = readdirSync(dir)
      .filter((f) => f.endsWith('.stone'))
      .map((f) => join(dir, f));
    const stones = await timed('read', () => readLocalStones(paths));
    const prepared = await timed('resolve', () => planInstall(inst, { stones }));
    changed = prepared.plan.install.length;
    state = await commitInstall(inst, prepared, { onEvent });
  } else {
    const plan = await timed('resolve', () => planRemove(inst, args));
    changed = plan.remove.length;
    state = await commitRemove(inst, plan, { onEvent });
  }
} finally {
  await inst.close();
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
    blitEntries,
    maxRssKb: ru.maxRSS,
    userMs: Math.round(ru.userCPUTime / 1000),
    systemMs: Math.round(ru.systemCPUTime / 1000),
  })}\n`,
);
