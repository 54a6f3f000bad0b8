import {
  copyFileAtomic as durableCopy,
  hashFile as durableHash,
  writeFileAtomic as durableWrite,
} from '@serpent/durable';
import { ioError } from './boot-error.js';

/** Suffix of in-flight copies; a leftover one is a crashed write and is removed by the next sync. */
export const TEMP_SUFFIX = '.serpent-tmp';

/**
 * Writes `data` to `path` so a crash leaves the old file or the new one, never a mix
 * (@serpent/durable): `<path>.serpent-tmp`, fsynced, renamed, the directory fsynced. vfat has no
 * journal, so the fsyncs are what makes the rename's order hold on an ESP. The fixed temporary
 * name lets the next sync find and remove what a crash left.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await durableWrite(path, data, { temp: path + TEMP_SUFFIX });
  } catch (error) {
    throw ioError(path, 'writing', error);
  }
}

/** Copies `source` to `path` the same crash-safe way, streaming (kernels and initrds are large). */
export async function copyFileAtomic(source: string, path: string): Promise<void> {
  try {
    await durableCopy(source, path, { temp: path + TEMP_SUFFIX });
  } catch (error) {
    throw ioError(path, `copying ${source}`, error);
  }
}

/** SHA-256 of a file, hex. Undefined when the file does not exist. */
export async function hashFile(path: string): Promise<string | undefined> {
  try {
    return await durableHash(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, 'hashing', error);
  }
}
