import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Some filesystems refuse fsync on a directory (vfat on an ESP answers EINVAL); there the
 * file's own fsync is all that can be had, so those answers are not errors.
 */
function refused(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EBADF';
}

/** fsyncs a directory, so that names created, renamed or removed in it survive a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if (!refused(err)) throw err;
  } finally {
    await handle.close();
  }
}

/** syncDir, synchronously. */
export function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!refused(err)) throw err;
  } finally {
    closeSync(fd);
  }
}
