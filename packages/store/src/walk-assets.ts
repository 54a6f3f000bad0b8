import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One entry found under `assets/v2`. */
export interface StoreEntry {
  /** Path relative to `assets/v2`, `/`-separated. */
  readonly relative: string;
  readonly path: string;
  readonly isFile: boolean;
}

/**
 * Every non-directory entry under `dir`, depth first, plus (through `onDir`) each directory
 * after its contents, so a caller can remove the ones it emptied. One readdir per directory;
 * no stat unless the caller needs one.
 */
export async function* walkAssets(
  dir: string,
  onDir?: (path: string) => Promise<void>,
): AsyncGenerator<StoreEntry> {
  yield* walk(dir, '', onDir);
}

async function* walk(
  dir: string,
  prefix: string,
  onDir: ((path: string) => Promise<void>) | undefined,
): AsyncGenerator<StoreEntry> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    const relative = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) {
      yield* walk(path, relative, onDir);
      if (onDir !== undefined) await onDir(path);
    } else {
      yield { relative, path, isFile: e.isFile() };
    }
  }
}
