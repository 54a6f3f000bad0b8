// A static file server for the build-root benchmark, run as its own process so that serving
// does not share the benchmark's event loop. Usage: node serve-repo.mjs DIR. Listens on
// 127.0.0.1 on a free port and prints `{"port":N}` once listening. Files under DIR only; an
// ETag per file (size and mtime) answers a matching If-None-Match with 304, as real servers
// do, so a `--update` of an unchanged index costs one round trip.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, sep } from 'node:path';

const root = normalize(process.argv[2] ?? '');
if (root === '' || root === '.') {
  process.stderr.write('usage: node serve-repo.mjs DIR\n');
  process.exit(2);
}

const server = createServer((req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  let st;
  try {
    if (!path.startsWith(root + sep)) throw new Error('outside the served directory');
    st = statSync(path);
    if (!st.isFile()) throw new Error('not a file');
  } catch {
    res.writeHead(404).end();
    return;
  }
  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size, etag });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
});
// Goes when the benchmark goes, however it ends: its stdin is a pipe from the benchmark.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
