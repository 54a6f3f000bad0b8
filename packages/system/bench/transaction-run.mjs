// One transaction of the benchmark, in its own process so its peak RSS is its own:
//   node bench/transaction-run.mjs install ROOT STONES_DIR   (every *.stone in it)
//   node bench/transaction-run.mjs remove ROOT NAME
// Drives the engine through its public API (the built dist) and prints one JSON line on stdout:
// the engine's phase times, the time of what the engine does not time itself (open, and the
// plan: reading the stones and resolving), the total, the blit's entry count, and this process's maxRSS and CPU time.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openRoot } from '../dist/index.js';

const [mode, ROOT, ...args] = process.argv.slice(2);
if ((mode !== 'install' && mode !== 'remove') || ROOT === undefined || args.length === 0) {
  console.error('usage: transaction-run.mjs install ROOT STONES_DIR | remove ROOT NAME');
  process.exit(2);
}

const phases = {};
let blitEntries = 0;
const onEvent = (e) => {
  if (e.type === 'phase-end') phases[e.phase] = (phases[e.phase] ?? 0) + e.ms;
  else if (e.type === 'blit-progress') blitEntries = e.total;
  else if (e.type === 'warning') console.error(`warning: ${e.message}`);
};
const timed = async (name, fn) => {
  const t = performance.now();
  const r = await fn();
  phases[name] = Math.round(performance.now() - t);
  return r;
};

const t0 = performance.now();
const root = await timed('open', () => openRoot(ROOT, { onEvent, wait: false }));
let state;
let changed;
try {
  // `resolve` covers reading the stones' metadata and SHA-256 too (the Root plans in one call).
  const plan = await timed('resolve', () =>
    mode === 'install'
      ? root.plan({
          add: readdirSync(args[0])
            .filter((f) => f.endsWith('.stone'))
            .map((f) => join(args[0], f)),
        })
      : root.plan({ remove: args }),
  );
  changed = mode === 'install' ? plan.install.length : plan.remove.length;
  state = (await root.commit(plan)).stateId;
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
    blitEntries,
    maxRssKb: ru.maxRSS,
    userMs: Math.round(ru.userCPUTime / 1000),
    systemMs: Math.round(ru.systemCPUTime / 1000),
  })}\n`,
);
