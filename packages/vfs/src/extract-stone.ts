import { randomBytes } from 'node:crypto';
import {
  chmod,
  constants,
  copyFile,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  FILE_TYPE_NAMES,
  FileType,
  type OpenStoneOptions,
  packageDirName,
  StoneError,
  StoneReader,
} from '@serpent/stone';
import { buildTree, EMPTY_FILE_HASH } from './build-tree.js';
import type { VfsTree } from './types.js';
import { VfsError } from './vfs-error.js';

export type ExtractEvent =
  | { readonly type: 'content'; readonly done: number; readonly total: number }
  | { readonly type: 'layout'; readonly done: number; readonly total: number };

export interface ExtractOptions {
  readonly onEvent?: (event: ExtractEvent) => void;
  /**
   * Replace an output directory that exists and is not empty. Without it such a directory is
   * refused (VFS_TARGET_NOT_EMPTY) and left as it is. The old one is replaced only once the new
   * one is complete.
   */
  readonly overwrite?: boolean;
  /** Limits for reading the stone (`@serpent/stone`'s defaults otherwise). */
  readonly stone?: OpenStoneOptions;
}

export interface ExtractResult {
  readonly outDir: string;
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
}

/**
 * Extracts a package into `outDir/usr/...`: regular files with their modes, directories,
 * symlinks. The layout goes through {@link buildTree} first, so extraction refuses exactly what
 * an install refuses (paths outside `/usr`, entries placed through a symlink that leads out,
 * anything beneath a file, two different files at one path, symlink loops, special files) and
 * places what it accepts where an install would (a file under `lib64 -> lib` lands in `lib`).
 * Only binary packages are extracted; an index or build manifest is STONE_WRONG_FILE_TYPE.
 *
 * Everything is built in a temporary sibling directory and renamed into place at the end, so a
 * failure leaves nothing behind; the tree holds no entry beneath a symlink, so nothing is ever
 * written through one. Every content is verified against its digest before it is used. Owners
 * are not changed (files belong to the caller).
 */
export async function extractStone(
  path: string,
  outDir: string,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const stone = await StoneReader.open(path, opts.stone);
  try {
    return await extractOpen(stone, outDir, opts);
  } finally {
    await stone.close();
  }
}

/**
 * Extracts a package into `baseDir/<name>-<version>-<release>.<arch>` (what `moss extract`
 * does), the name checked by `packageDirName` so that hostile metadata (a version `..`, an
 * architecture with `/../`) cannot steer it outside `baseDir`.
 */
export async function extractStoneInto(
  path: string,
  baseDir: string,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const stone = await StoneReader.open(path, opts.stone);
  try {
    checkPackage(stone);
    const name = packageDirName(await stone.meta(), path);
    return await extractOpen(stone, join(baseDir, name), opts);
  } finally {
    await stone.close();
  }
}

function checkPackage(stone: StoneReader): void {
  const type = stone.header.fileType;
  if (type !== FileType.Binary) {
    const what =
      type === FileType.Repository
        ? 'a repository index, not a package'
        : type === FileType.BuildManifest
          ? 'a build manifest, not a package'
          : `a ${FILE_TYPE_NAMES[type] ?? 'non-binary'} stone, which holds only what changed since another package`;
    throw new StoneError('STONE_WRONG_FILE_TYPE', stone.file, `is ${what}: there is nothing to extract`, {
      fileType: type,
    });
  }
}

/** Missing or an empty directory: usable as it is. Anything else needs `overwrite`. */
async function targetInUse(outDir: string): Promise<boolean> {
  try {
    return (await readdir(outDir)).length > 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') return true;
    throw err;
  }
}

async function extractOpen(stone: StoneReader, outDir: string, opts: ExtractOptions): Promise<ExtractResult> {
  checkPackage(stone);
  const replace = await targetInUse(outDir);
  if (replace && !opts.overwrite) {
    throw new VfsError(
      'VFS_TARGET_NOT_EMPTY',
      `${outDir} exists and is not empty; refusing to extract ${stone.file} over it`,
      { path: outDir, file: stone.file },
      undefined,
      'remove it, extract somewhere else, or ask for it to be replaced (overwrite)',
    );
  }
  const tree = buildTree((await stone.layout()).map((entry) => ({ pkg: basename(stone.file), entry })));
  const needed = await neededContent(stone, tree);

  await mkdir(dirname(outDir), { recursive: true });
  const tmp = join(dirname(outDir), `.${basename(outDir)}.${randomBytes(4).toString('hex')}.partial`);
  await mkdir(tmp);
  try {
    const assets = join(tmp, '.assets');
    await mkdir(assets);
    await unpackNeeded(stone, assets, needed, opts);
    const counts = await writeTree(tree, join(tmp, 'usr'), assets, opts);
    await rm(assets, { recursive: true, force: true });
    await moveIntoPlace(tmp, outDir);
    return { outDir, ...counts };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The digests the tree's files use; each must be in the stone's index. */
async function neededContent(stone: StoneReader, tree: VfsTree): Promise<Set<string>> {
  const indexed = new Set((await stone.index()).map((e) => e.digest));
  const needed = new Set<string>();
  for (const node of tree.walk()) {
    if (node.kind !== 'regular' || node.hash === EMPTY_FILE_HASH) continue;
    if (!indexed.has(node.hash)) {
      throw new StoneError(
        'STONE_MISSING_CONTENT',
        stone.file,
        `/usr/${node.path} has content ${node.hash}, which the index does not hold`,
        { path: node.path, digest: node.hash },
      );
    }
    needed.add(node.hash);
  }
  return needed;
}

/** Streams each needed content to `assets/<digest>`, verified before it gets that name. */
async function unpackNeeded(stone: StoneReader, assets: string, needed: Set<string>, opts: ExtractOptions) {
  let done = 0;
  const total = needed.size;
  await stone.unpackContent({
    file(entry) {
      if (!needed.has(entry.digest)) return undefined;
      needed.delete(entry.digest);
      const partial = join(assets, `${entry.digest}.part`);
      // A FileHandle, not a WriteStream: a stream destroyed with writes in flight (a content
      // that fails its hash) emits an 'error' nobody listens to, which the fuzz campaign saw
      // kill the process. Each write is awaited, so nothing is in flight at abort.
      let fh: FileHandle | undefined;
      return {
        async write(chunk) {
          fh ??= await open(partial, 'wx');
          let written = 0;
          while (written < chunk.length) {
            written += (await fh.write(chunk, written, chunk.length - written)).bytesWritten;
          }
        },
        async commit() {
          fh ??= await open(partial, 'wx');
          await fh.close();
          await rename(partial, join(assets, entry.digest));
          opts.onEvent?.({ type: 'content', done: ++done, total });
        },
        async abort() {
          await fh?.close().catch(() => {});
          await rm(partial, { force: true });
        },
      };
    },
  });
}

/**
 * Writes the tree under `root` in pre-order, so every directory exists before its children.
 * The first file of a content takes the asset itself; later ones get copies (a reflink where
 * the filesystem can), so each path carries its own mode and no two extracted files share an
 * inode. Directory modes are set last, deepest first, so a read-only one does not stop the
 * writes into it.
 */
async function writeTree(tree: VfsTree, root: string, assets: string, opts: ExtractOptions) {
  await mkdir(root);
  const used = new Map<string, string>();
  const dirs: { path: string; mode: number }[] = [];
  let files = 0;
  let symlinks = 0;
  let step = 0;
  for (const node of tree.walk()) {
    const dest = join(root, node.path);
    if (node.kind === 'directory') {
      await mkdir(dest, 0o700);
      dirs.push({ path: dest, mode: node.mode });
    } else if (node.kind === 'symlink') {
      await symlink(node.target, dest);
      symlinks++;
    } else {
      const first = used.get(node.hash);
      if (node.hash === EMPTY_FILE_HASH) await writeFile(dest, '', { flag: 'wx' });
      else if (first === undefined) {
        await rename(join(assets, node.hash), dest);
        used.set(node.hash, dest);
      } else await copyFile(first, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      await chmod(dest, node.mode);
      files++;
    }
    opts.onEvent?.({ type: 'layout', done: ++step, total: tree.size });
  }
  for (let i = dirs.length - 1; i >= 0; i--) await chmod(dirs[i]!.path, dirs[i]!.mode);
  return { files, directories: dirs.length, symlinks };
}

/**
 * Renames the finished tree to `outDir`. An existing one (empty, or with `overwrite`) is first
 * renamed aside and deleted after, so a crash in between leaves either it or the new tree
 * under a name beside `outDir`, never a mix.
 */
async function moveIntoPlace(tmp: string, outDir: string): Promise<void> {
  const existing = await lstat(outDir).catch(() => undefined);
  if (existing === undefined) {
    await rename(tmp, outDir);
    return;
  }
  const old = join(dirname(outDir), `.${basename(outDir)}.${randomBytes(4).toString('hex')}.old`);
  await rename(outDir, old);
  await rename(tmp, outDir);
  await rm(old, { recursive: true, force: true });
}
