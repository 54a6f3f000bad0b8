import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { BuildError } from './build-error.js';

/**
 * Streams what a `file://`, `http://` or `https://` URL serves, hashing it on the way: into
 * `dest` (through `dest.part`, renamed once complete, so a cut download never has the final
 * name) or, without `dest`, nowhere (`recipe update` only needs the hash). The one download
 * seam of the drafter and `recipe update`: when the shared downloader of the repository layer
 * (retries, resume, progress) is there, it replaces this body.
 */
export async function downloadFile(url: string, dest?: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const sink = dest ? createWriteStream(`${dest}.part`) : new Writable({ write: (_c, _e, done) => done() });
  try {
    await pipeline(await open(url), tap, sink);
    if (dest) await rename(`${dest}.part`, dest);
  } catch (cause) {
    if (dest) await rm(`${dest}.part`, { force: true });
    if (cause instanceof BuildError) throw cause;
    throw new BuildError(
      'BUILD_UPSTREAM_FETCH_FAILED',
      `cannot download ${url}: ${(cause as Error).message}`,
      {
        hint: 'check the URL (file://, http:// or https://), that the file exists, and the network',
        details: { url },
        cause,
      },
    );
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function open(url: string): Promise<Readable> {
  if (url.startsWith('file://')) return createReadStream(fileURLToPath(url));
  if (!/^https?:\/\//.test(url)) {
    throw new BuildError(
      'BUILD_UPSTREAM_UNSUPPORTED',
      `cannot download ${url}: not a file, http or https URL`,
      {
        hint: 'give an https://, http:// or file:// URL',
        details: { url },
      },
    );
  }
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}
