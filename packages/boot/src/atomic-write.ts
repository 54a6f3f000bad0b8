import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { ioError } from './boot-error.js';

/** Suffix of in-flight copies; a leftover one is a crashed write and is removed by the next sync. */
export const TEMP_SUFFIX = '.serpent-tmp';

/**
 * Writes `data` to `path` so a crash leaves the old file or the new one, never a mix:
 * write `<path>.serpent-tmp`, fsync it, rename over `path`, fsync the directory. vfat has
 * no journal, so the fsyncs are what makes the rename's order hold on an ESP.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await replaceAtomic(path, 'writing', async (temp) => {
    const handle = await fsp.open(temp, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** Copies `source` to `path` the same crash-safe way, streaming (kernels and initrds are large). */
export async function copyFileAtomic(source: string, path: string): Promise<void> {
  await replaceAtomic(path, `copying ${source}`, async (temp) => {
    // copyFile may use copy_file_range/reflinks; the fsync below still flushes the result.
    await fsp.copyFile(source, temp, 0);
    const handle = await fsp.open(temp, constants.O_RDWR);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** `fill` makes the durable temporary file; then it is renamed over `path` and the directory synced. */
async function replaceAtomic(
  path: string,
  doing: string,
  fill: (temp: string) => Promise<void>,
): Promise<void> {
  const temp = path + TEMP_SUFFIX;
  try {
    await fsp.mkdir(dirname(path), { recursive: true });
    await fill(temp);
    await fsp.rename(temp, path);
    await syncDirectory(dirname(path));
  } catch (error) {
    await fsp.rm(temp, { force: true }).catch(() => {});
    throw ioError(path, doing, error);
  }
}

/** SHA-256 of a file, hex. Undefined when the file does not exist. */
export async function hashFile(path: string): Promise<string | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, 'opening for hashing', error);
  }
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } catch (error) {
    throw ioError(path, 'hashing', error);
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory (EINVAL); the file itself is already synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}
