import { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress, decompress as fzstdDecompress } from 'fzstd';
import { StoneError } from './stone-error.js';
import { windowLogFor } from './zstd-frame.js';

// node:zlib decodes zstd at ≈ 480 MB/s on this machine kind against ≈ 120 MB/s for fzstd, and
// fzstd returned wrong bytes without an error on a 160 MiB level-18 payload (DESIGN.md). So
// fzstd is only the fallback for a Node without zstd in zlib, and every decode is checked
// against the payload's plain size and checksum, and every file against its XXH3-128.

const hasNodeZstd = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';

/** Which decoder this process uses: `node:zlib` or the `fzstd` fallback. */
export const zstdBackend: 'node:zlib' | 'fzstd' = hasNodeZstd ? 'node:zlib' : 'fzstd';

/**
 * Decompresses a whole buffer, refusing to produce more than `maxOutput` bytes or to use a
 * window above `maxWindow`. The reader checks the window itself first (zstd-frame.ts); the
 * decoder's own limit is the second line.
 */
export function zstdDecompress(data: Uint8Array, maxOutput: number, maxWindow: number): Uint8Array {
  if (hasNodeZstd) {
    return zlib.zstdDecompressSync(data, {
      params: { [zlib.constants.ZSTD_d_windowLogMax]: windowLogFor(maxWindow) },
      maxOutputLength: Math.max(1, maxOutput),
    });
  }
  const out = fzstdDecompress(data);
  if (out.length > maxOutput) throw new RangeError(`output exceeds ${maxOutput} bytes`);
  return out;
}

// 4 MiB output chunks: decoding a 293 MB content payload took 620-690 ms with 256 KiB chunks,
// 460-610 ms with 1 MiB and 450-540 ms with 4 MiB (node:zlib stream, this machine kind).
const CHUNK = 4 << 20;
/** The smallest output chunk: below it, a payload gets a chunk of its own size plus this. */
const MIN_CHUNK = 64 << 10;

/**
 * A streaming decompressor (a Transform from stored to plain bytes); see zstdDecompress for
 * `maxWindow`. `plainSize`, when known, sizes the output chunks: zlib allocates a whole chunk
 * up front, and a 4 MiB buffer for each of the 1,820 small payloads of the transaction
 * benchmark (20 KB each, typically) was 7 GB of allocation and page faults for 40 MB of content.
 */
export function createZstdDecompressStream(maxWindow: number, plainSize?: number): Transform {
  if (hasNodeZstd) {
    const chunkSize = plainSize === undefined ? CHUNK : Math.min(CHUNK, plainSize + MIN_CHUNK);
    return zlib.createZstdDecompress({
      params: { [zlib.constants.ZSTD_d_windowLogMax]: windowLogFor(maxWindow) },
      chunkSize,
      // Lets the thread-pool decoder run ahead while the main thread hashes and writes what it
      // already produced: with the default 16 KiB the two strictly alternate (verify of a
      // 293 MB, 18k-file payload: 1.24 s → 0.92 s).
      readableHighWaterMark: 4 * chunkSize,
    } as zlib.ZstdOptions);
  }
  let push: (chunk: Uint8Array) => void = () => {};
  const dec = new FzstdDecompress((chunk) => push(chunk));
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      push = (c) => this.push(c);
      try {
        dec.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      push = (c) => this.push(c);
      try {
        dec.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

/**
 * Throws STONE_UNSUPPORTED_RUNTIME, naming `file`, on a Node without zstd in node:zlib (before
 * 22.15): the writers call it before touching the disk. Reading still works there (fzstd).
 */
export function assertZstdWriter(file: string): void {
  if (!hasNodeZstd) {
    throw new StoneError(
      'STONE_UNSUPPORTED_RUNTIME',
      file,
      `writing stones needs zstd compression in node:zlib, which Node ${process.version} lacks`,
      { node: process.version },
    );
  }
}

function compressParams(level: number, pledgedSize: number | undefined) {
  assertZstdWriter('(stone being written)');
  return {
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      // Never a frame checksum: the reference reader can trip over it (spec §14), and every
      // payload carries its own XXH3-64 anyway.
      [zlib.constants.ZSTD_c_checksumFlag]: 0,
      [zlib.constants.ZSTD_c_contentSizeFlag]: 1,
    },
    ...(pledgedSize === undefined ? {} : { pledgedSrcSize: pledgedSize }),
    chunkSize: CHUNK,
  };
}

/** Compresses a whole buffer as one frame with its content size in the header. */
export function zstdCompress(data: Uint8Array, level: number): Uint8Array {
  return zlib.zstdCompressSync(data, compressParams(level, data.length));
}

/** A streaming compressor producing one frame; `pledgedSize` puts the content size in the header. */
export function createZstdCompressStream(level: number, pledgedSize?: number): Transform {
  // A deep input buffer: with the default 16 KiB nearly every file's write waited for 'drain'.
  return zlib.createZstdCompress({
    ...compressParams(level, pledgedSize),
    writableHighWaterMark: 4 * CHUNK,
  } as zlib.ZstdOptions);
}
