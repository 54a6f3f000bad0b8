// One transaction of the benchmark, in its own process so its peak RSS is its own:
//   node bench/transaction-run.mjs install ROOT PATH...   (.stone files, or directories of them)
//   node bench/transaction-run.mjs remove ROOT NAME...
//   node bench/transaction-run.mjs sync ROOT DIR          (every *.stone in DIR offered, as a repository would)
//   node bench/transaction-run.mjs activate ROOT ID
// Drives the engine through its public API (the built dist) and prints one JSON line on stdout:
// the engine's phase times, the time of what the engine does not time itself (open, read,
// resolve), the total, how the tree was made (blit or in-place change, with entry counts), and
// this process's maxRSS and CPU time. With RSS=1 it also prints each phase's peak RSS on stderr.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  activateState,
  commitInstall,
  commitRemove,
  commitSync,
  openInstallation,
  planInstall,
  planRemove,
  planSync,
  readLocalStones,
} from '../dist/index.js';

const [mode, root, ...args] = process.argv.slice(2);
if (!['install', 'remove', 'sync', 'activate'].includes(mode) || root === undefined || args.length === 0) {
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
const inst = await timed('open', () => openInstallation(root, { onEvent, wait: false }));
let state;
let changed;
try {
  if (mode === 'install') {
    const stones = await timed('read', () => readLocalStones(stonesIn(args)));
    const prepared = await timed('resolve', () => planInstall(inst, { stones }));
    changed = prepared.plan.install.length;
    state = await commitInstall(inst, prepared, { onEvent });
  } else if (mode === 'remove') {
    const plan = await timed('resolve', () => planRemove(inst, args));
    changed = plan.remove.length;
    state = await commitRemove(inst, plan, { onEvent });
  } else if (mode === 'sync') {
    const stones = await timed('read', () => readLocalStones(stonesIn(args)));
    const byId = new Map(stones.map((s) => [s.id, s.path]));
    const candidates = stones.map((s) => ({ id: s.id, meta: s.meta, source: { kind: 'local' } }));
    const plan = await timed('resolve', () => planSync(inst, candidates));
    changed = plan.install.length;
    // The "download" of a local candidate is its stone where it lies.
    const fetch = async (list) => new Map(list.map((c) => [c.id, byId.get(c.id)]));
    state = await commitSync(inst, plan, { onEvent, fetch });
  } else {
    state = Number(args[0]);
    changed = 0;
    await activateState(inst, state, { onEvent });
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
    how: phases.change !== undefined ? 'change' : phases.blit !== undefined ? 'blit' : 'swap',
    blitEntries,
    changeEntries,
    maxRssKb: ru.maxRSS,
    userMs: Math.round(ru.userCPUTime / 1000),
    systemMs: Math.round(ru.systemCPUTime / 1000),
  })}\n`,
);
