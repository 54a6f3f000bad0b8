// A static file server for the repository benchmark, run as its own process: the benchmark
// waits on moss (spawnSync) while moss fetches from here, so one process cannot be both.
// Usage: node serve-static.mjs DIR. Listens on 127.0.0.1 on a free port and prints
// `{"port":N}` on stdout once listening; logs nothing else. Serves files under DIR only.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, sep } from 'node:path';

const root = normalize(process.argv[2] ?? '');
if (root === '' || root === '.') {
  process.stderr.write('usage: node serve-static.mjs DIR\n');
  process.exit(2);
}

const server = createServer((req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  let size;
  try {
    if (!path.startsWith(root + sep)) throw new Error('outside the served directory');
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
