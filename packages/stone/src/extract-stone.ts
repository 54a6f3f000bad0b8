import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, rename, rm, rmdir, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LayoutEntry } from './layout-payload.js';
import { StoneError } from './stone-error.js';
import { StoneReader } from './stone-reader.js';

export type ExtractEvent =
  | { readonly type: 'content'; readonly done: number; readonly total: number }
  | { readonly type: 'layout'; readonly done: number; readonly total: number };

export interface ExtractOptions {
  readonly onEvent?: (event: ExtractEvent) => void;
}

export interface ExtractResult {
  readonly outDir: string;
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
}

/** A layout target that could write outside the extraction root is refused before any write. */
function checkTarget(file: string, e: LayoutEntry): void {
  const parts = e.target.split('/');
  if (
    e.target.startsWith('/') ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    e.target.includes('\0')
  ) {
    throw new StoneError(
      'STONE_INVALID_INPUT',
      file,
      `layout entry ${JSON.stringify(e.target)} is not a plain path under /usr; refusing to extract`,
      {
        path: e.target,
      },
    );
  }
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Extracts a package into `outDir/usr/...`: regular files with their modes, directories,
 * symlinks. Everything is built in a temporary sibling directory and renamed into place at the
 * end, so a failure (a damaged stone, a hostile path) leaves nothing behind. Nothing is ever
 * written through a symlink: symlinks are created last. Owners are not changed (files belong to
 * the caller); devices, fifos and sockets are refused.
 */
export async function extractStone(
  path: string,
  outDir: string,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  if (!(await isEmptyOrMissing(outDir))) {
    throw new StoneError('STONE_INVALID_INPUT', path, `output directory ${outDir} exists and is not empty`, {
      outDir,
    });
  }
  const stone = await StoneReader.open(path);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const layout = await stone.layout();
    for (const e of layout) {
      checkTarget(path, e);
      if (e.type !== 'regular' && e.type !== 'directory' && e.type !== 'symlink') {
        throw new StoneError(
          'STONE_INVALID_INPUT',
          path,
          `/usr/${e.target} is a ${e.type}; packages may not ship special files`,
          {
            path: e.target,
          },
        );
      }
    }
    const assets = join(tmp, '.assets');
    await mkdir(assets, { recursive: true });
    const index = await stone.index();
    let done = 0;
    await stone.unpackContent({
      file(entry) {
        const partial = join(assets, `${entry.digest}.part`);
        let ws: WriteStream | undefined;
        return {
          async write(chunk) {
            ws ??= createWriteStream(partial);
            if (!ws.write(chunk)) await new Promise<void>((r) => ws!.once('drain', () => r()));
          },
          async commit() {
            if (ws === undefined) {
              ws = createWriteStream(partial);
            }
            const s = ws;
            await new Promise<void>((res, rej) => s.end((err?: Error | null) => (err ? rej(err) : res())));
            await rename(partial, join(assets, entry.digest));
            opts.onEvent?.({ type: 'content', done: ++done, total: index.length });
          },
          async abort() {
            ws?.destroy();
            await rm(partial, { force: true });
          },
        };
      },
    });

    const root = join(tmp, 'usr');
    await mkdir(root, { recursive: true });
    const used = new Map<string, string>();
    let files = 0;
    let directories = 0;
    let symlinks = 0;
    let step = 0;
    const total = layout.length;
    const ensureParent = (p: string) => mkdir(dirname(p), { recursive: true });
    for (const e of layout) {
      if (e.type !== 'directory') continue;
      await mkdir(join(root, e.target), { recursive: true });
      directories++;
      opts.onEvent?.({ type: 'layout', done: ++step, total });
    }
    for (const e of layout) {
      if (e.type !== 'regular') continue;
      const dest = join(root, e.target);
      await ensureParent(dest);
      const first = used.get(e.hash);
      // The first use of a content takes the asset itself; later ones get copies, so each
      // path can carry its own mode.
      if (first === undefined) {
        await rename(join(assets, e.hash), dest);
        used.set(e.hash, dest);
      } else {
        await copyFile(first, dest);
      }
      await chmod(dest, e.mode & 0o7777);
      files++;
      opts.onEvent?.({ type: 'layout', done: ++step, total });
    }
    for (const e of layout) {
      if (e.type !== 'symlink') continue;
      const dest = join(root, e.target);
      await ensureParent(dest);
      await symlink(e.source, dest);
      symlinks++;
      opts.onEvent?.({ type: 'layout', done: ++step, total });
    }
    // Directory modes last and deepest first, so a read-only directory does not stop the
    // writes into it.
    const dirs = layout
      .filter((e) => e.type === 'directory')
      .sort((a, b) => b.target.length - a.target.length);
    for (const e of dirs) await chmod(join(root, e.target), e.mode & 0o7777);
    await rm(assets, { recursive: true, force: true });
    await mkdir(dirname(outDir), { recursive: true });
    // An empty directory named as the output is replaced (it was checked to be empty).
    if ((await lstat(outDir).catch(() => undefined)) !== undefined) await rmdir(outDir);
    await rename(tmp, outDir);
    return { outDir, files, directories, symlinks };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await stone.close();
  }
}
