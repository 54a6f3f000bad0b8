// Child process of crash.test.ts: precaches one stone into a root with the built package,
// printing each progress event as a JSON line so the test can SIGKILL it mid-way.
// Usage: node precache-child.mjs <root> <stone>
import { openStore } from '../dist/index.js';

const [root, stonePath] = process.argv.slice(2);
const store = await openStore(root);
const result = await store.precache(stonePath, {
  onProgress: (e) => {
    if (e.type !== 'done') process.stdout.write(`${JSON.stringify(e)}\n`);
  },
});
const { meta, layout, index, ...summary } = result;
process.stdout.write(`${JSON.stringify({ type: 'result', ...summary })}\n`);
