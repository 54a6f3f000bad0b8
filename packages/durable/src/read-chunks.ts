import type { FileHandle } from 'node:fs/promises';

const MAX_CHUNK = 1 << 20;
const MIN_CHUNK = 64 << 10;

/**
 * Reads a whole open file in order, in chunks of up to 1 MiB, with a buffer sized to the
 * file (64 KiB at least: a file whose size says 0 is read in 64 KiB reads, not one byte at a
 * time, which is what a character device such as /dev/zero reports). Hashing 300 files of 136 KB took 0.40-0.75 s through `createReadStream` (whose
 * per-stream set-up dominates for small files) against ≈ 0.1 s with direct reads, which is what
 * re-verifying a cache of 1,600 packages and re-hashing an index directory are made of.
 * The chunk passed to `onChunk` is reused after it returns.
 */
export async function readChunks(
  fh: FileHandle,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  const { size } = await fh.stat();
  const buf = Buffer.allocUnsafe(Math.min(Math.max(size, MIN_CHUNK), MAX_CHUNK));
  let pos = 0;
  for (;;) {
    signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return pos;
    pos += bytesRead;
    await onChunk(buf.subarray(0, bytesRead));
  }
}
