// Child process of precache-threads.test.ts: runs a threaded precacheMany with the built package
// (worker threads load dist/, which a test process importing the sources cannot give them) and
// prints one JSON line: the results, or the error's code and details.
// Usage: node threads-child.mjs '<json: {root, paths, threads, concurrency, abort, seed}>'

import { Limiter } from '@serpent/concurrency';
import { ClaimTable } from '../dist/claim-table.js';
import { openStore } from '../dist/index.js';
import { precacheOnThreads } from '../dist/precache-threads.js';
import { StoreState } from '../dist/store-state.js';

const args = JSON.parse(process.argv[2]);
const store = await openStore(args.root);
const events = [];
const opts = { onProgress: (e) => events.push(e.type === 'done' ? `done ${e.stone}` : e.type) };
if (args.abort) {
  const stop = new AbortController();
  stop.abort(new Error('user pressed ^C'));
  opts.signal = stop.signal;
}
try {
  let results;
  if (args.seed) {
    // As if another thread had claimed these digests and never written them.
    const table = ClaimTable.create(100);
    for (const d of args.seed) table.claim(d);
    const state = new StoreState(store.assetsDir, store.tempDir, true, new Limiter(4));
    results = await precacheOnThreads(
      state,
      args.paths,
      { ...opts, index: args.index ?? true },
      args.threads,
      args.concurrency ?? 1,
      table,
    );
  } else {
    const handed = [];
    const run = () =>
      store.precacheMany(args.paths, {
        ...opts,
        threads: args.threads,
        concurrency: args.concurrency,
        ...(args.onResult ? { onResult: (i, r) => handed.push({ i, layout: r.layout.length }) } : {}),
      });
    results = await run();
    if (args.onResult) for (const h of handed) events.push(`result ${h.i} ${h.layout}`);
    // A second precacheMany of the same stones through the same store object.
    if (args.twice) results = [...results, ...(await run())];
  }
  const summaries = results.map(({ meta, layout, index, ...summary }) => ({
    name: meta.name,
    indexEntries: index.length,
    layoutEntries: layout.length,
    ...summary,
  }));
  process.stdout.write(`${JSON.stringify({ results: summaries, events })}\n`);
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } })}\n`,
  );
}
