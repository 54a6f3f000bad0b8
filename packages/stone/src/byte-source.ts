import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StoneError } from './stone-error.js';

/**
 * Random access to a stone's bytes, from a file or memory. Only the content payload is ever
 * streamed; everything else is read in bounded pieces, so a 1 GB package costs a few MB.
 */
export interface ByteSource {
  /** The name used in error messages (a path, or a label for bytes in memory). */
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  stream(offset: number, length: number): Readable;
  close(): Promise<void>;
}

// 4 MiB reads: the content stream is decompressed at hundreds of MB/s, and 64 KiB reads
// cost measurably more syscalls and stream overhead per byte.
const READ_CHUNK = 4 << 20;

export async function fileSource(path: string): Promise<ByteSource> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new StoneError('STONE_IO', path, `cannot open (${code})`, { errno: code }, err);
  }
  const { size } = await handle.stat();
  return {
    name: path,
    size,
    async read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) {
          throw new StoneError(
            'STONE_TRUNCATED',
            path,
            `file ended at ${offset + done} while reading ${length} bytes at ${offset}`,
            {
              offset: offset + done,
            },
          );
        }
        done += bytesRead;
      }
      return buf;
    },
    stream(offset, length) {
      // Not handle.createReadStream(): destroying that stream (a decoder error anywhere in the
      // pipeline) closes the FileHandle even with autoClose false, and the reader still needs
      // it to tell a damaged payload from a hostile one.
      let pos = offset;
      const end = offset + length;
      return new Readable({
        highWaterMark: READ_CHUNK,
        read() {
          if (pos >= end) {
            this.push(null);
            return;
          }
          const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos));
          handle.read(buf, 0, buf.length, pos).then(
            ({ bytesRead }) => {
              if (bytesRead === 0) {
                this.destroy(
                  new StoneError('STONE_TRUNCATED', path, `file ended at ${pos} while streaming to ${end}`, {
                    offset: pos,
                  }),
                );
                return;
              }
              pos += bytesRead;
              this.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
            },
            (err: unknown) => this.destroy(err as Error),
          );
        },
      });
    },
    async close() {
      await handle.close();
    },
  };
}

export function bytesSource(bytes: Uint8Array, name = '<memory>'): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset, length) {
      if (offset + length > bytes.length) {
        throw new StoneError(
          'STONE_TRUNCATED',
          name,
          `data ends at ${bytes.length}, needed ${length} bytes at ${offset}`,
          {
            offset: bytes.length,
          },
        );
      }
      return bytes.subarray(offset, offset + length);
    },
    stream(offset, length) {
      const slice = bytes.subarray(offset, offset + length);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < slice.length; i += READ_CHUNK) chunks.push(slice.subarray(i, i + READ_CHUNK));
      return Readable.from(chunks, { objectMode: false });
    },
    async close() {},
  };
}
