import { open } from 'node:fs/promises';
import { createXxh3_128 } from '@serpent/stone';

type Hasher = Awaited<ReturnType<typeof createXxh3_128>>;

/** 1 MiB reads: past ~256 KiB the read size no longer shows in hashing throughput. */
const READ_SIZE = 1024 * 1024;

/**
 * Hashes files with XXH3-128, reusing hashers and read buffers: creating a WebAssembly hasher
 * costs about a millisecond, which over a 300k-asset store would dominate the verify.
 */
export class FileHasher {
  private readonly free: { hasher: Hasher; buffer: Buffer }[] = [];

  /** XXH3-128 of the file's bytes, 32 hex digits. */
  async hash(path: string): Promise<string> {
    const slot = this.free.pop() ?? { hasher: await createXxh3_128(), buffer: Buffer.allocUnsafe(READ_SIZE) };
    try {
      const fh = await open(path, 'r');
      try {
        slot.hasher.init();
        while (true) {
          const { bytesRead } = await fh.read(slot.buffer, 0, READ_SIZE, null);
          if (bytesRead === 0) break;
          slot.hasher.update(slot.buffer.subarray(0, bytesRead));
        }
        return slot.hasher.digest('hex');
      } finally {
        await fh.close();
      }
    } finally {
      this.free.push(slot);
    }
  }
}
