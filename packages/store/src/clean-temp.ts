import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A temporary file older than this is stale even if its pid is alive again (pid reuse). */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes temporary files in `tempDir` whose writer is gone: the process whose pid starts the
 * name is dead, or the file is a day old. Files of live writers (another moss or boulder
 * sharing the store) are left alone. Returns how many were deleted.
 */
export async function cleanTempDir(tempDir: string, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tempDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number.parseInt(name, 10);
    const path = join(tempDir, name);
    let stale = !Number.isInteger(pid) || pid <= 0 || !processAlive(pid);
    if (!stale) {
      if (pid === process.pid) continue;
      const st = await stat(path).catch(() => undefined);
      stale = st !== undefined && now - st.mtimeMs > STALE_AFTER_MS;
    }
    if (stale) {
      await rm(path, { force: true, recursive: true });
      removed++;
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
