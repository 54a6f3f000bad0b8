// One transaction through the `moss` command itself (tools/moss/bin/moss.js: the bundle users
// run), in this process, so the benchmark gets its peak RSS and CPU time as well as its wall:
//   node bench/cli-run.mjs MOSS_ARGS...     (e.g. -D ROOT remove NAME -y --json)
// moss writes its events (NDJSON with --json) on stdout; this adds one last line on stderr,
// `cli-run {"maxRssKb":...,"userMs":...,"systemMs":...}`, when the process exits.
import { writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bin = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'tools',
  'moss',
  'bin',
  'moss.js',
);
process.on('exit', () => {
  const ru = process.resourceUsage();
  writeSync(
    2,
    `cli-run ${JSON.stringify({ maxRssKb: ru.maxRSS, userMs: Math.round(ru.userCPUTime / 1000), systemMs: Math.round(ru.systemCPUTime / 1000) })}\n`,
  );
});
process.argv = [process.argv[0], bin, ...process.argv.slice(2)];
await import(pathToFileURL(bin).href);
