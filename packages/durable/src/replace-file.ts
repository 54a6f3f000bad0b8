import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir, syncDirSync } from './sync-dir.js';
import { tempPathFor } from './temp-path.js';

export interface ReplaceOptions {
  /** Permission bits of a newly written file (before the umask); default 0o644. */
  readonly mode?: number;
  /**
   * The temporary name; default a hidden, unique sibling (tempPathFor). A fixed name lets a
   * later run find and remove what a crash left (boot's `<path>.serpent-tmp`).
   */
  readonly temp?: string;
}

/**
 * Replaces `path` so that a crash at any moment leaves the old file or the new one, never a
 * mix: `fill` makes the temporary file and leaves it fsynced; it is then renamed over `path`
 * and the directory is fsynced, so the rename is durable too. Parent directories are created.
 * On failure the temporary file is removed and the error rethrown as it came.
 */
export async function replaceFile(
  path: string,
  fill: (temp: string) => Promise<void>,
  options: Pick<ReplaceOptions, 'temp'> = {},
): Promise<void> {
  const temp = options.temp ?? tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await fill(temp);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDir(dirname(path));
}

/** Writes `data` to `path` crash-safely (see replaceFile). */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: ReplaceOptions = {},
): Promise<void> {
  await replaceFile(
    path,
    async (temp) => {
      const handle = await open(temp, 'w', options.mode ?? 0o644);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    options,
  );
}

/** Copies `source` to `path` crash-safely (see replaceFile); large files are not read into memory. */
export async function copyFileAtomic(
  source: string,
  path: string,
  options: Pick<ReplaceOptions, 'temp'> = {},
): Promise<void> {
  await replaceFile(
    path,
    async (temp) => {
      // copyFile may use copy_file_range or a reflink; the fsync below still flushes the result.
      await copyFile(source, temp);
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    options,
  );
}

/** writeFileAtomic, synchronously (for code that must not yield, such as a lock or journal). */
export function writeFileAtomicSync(
  path: string,
  data: Uint8Array | string,
  options: ReplaceOptions = {},
): void {
  const temp = options.temp ?? tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temp, 'w', options.mode ?? 0o644);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  syncDirSync(dirname(path));
}
