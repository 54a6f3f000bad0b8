import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { readChunks } from './read-chunks.js';

/**
 * The SHA-256 (or another `node:crypto` digest) of a whole file, hex, read in order without
 * keeping it: a path, or a handle the caller holds (to stat and hash the very same file). The
 * package ids of moss, the download cache, boot's copies and boulder's upstreams all hash this
 * way; this is the one implementation.
 */
export async function hashFile(
  file: string | FileHandle,
  options: { algorithm?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const hash = createHash(options.algorithm ?? 'sha256');
  const fh = typeof file === 'string' ? await open(file, 'r') : file;
  try {
    await readChunks(fh, (chunk) => void hash.update(chunk), options.signal);
  } finally {
    if (typeof file === 'string') await fh.close();
  }
  return hash.digest('hex');
}
