import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The reason given for files the install step put outside `/usr`. */
export const OUTSIDE_USR =
  'outside /usr: a stone only carries /usr (install to %(prefix), defaults to %(vendordir))';

export type CollectedType =
  | 'regular'
  | 'symlink'
  | 'directory'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  | 'socket';

/** One path of the install root. */
export interface CollectedFile {
  /** Absolute path as installed, e.g. `/usr/bin/hello`. */
  readonly path: string;
  /** Where it is on this machine. */
  readonly hostPath: string;
  readonly type: CollectedType;
  /** Full `st_mode`. */
  readonly mode: number;
  readonly size: number;
  /** Symlinks: the link text. */
  readonly linkTarget?: string;
}

export interface Collection {
  readonly files: CollectedFile[];
  /** Dropped on purpose (libtool archives), with the reason. */
  readonly ignored: Array<{ path: string; reason: string }>;
}

function typeOf(mode: number): CollectedType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'regular';
    case 0o120000:
      return 'symlink';
    case 0o040000:
      return 'directory';
    case 0o020000:
      return 'char-device';
    case 0o060000:
      return 'block-device';
    case 0o010000:
      return 'fifo';
    default:
      return 'socket';
  }
}

/**
 * Walks the install root in sorted order (the original walks in directory order, so its
 * layouts differ between filesystems). Every non-directory is collected; a directory only when
 * it is empty or its mode is not 0755, as boulder does. `.la` files under `/usr/lib*` are
 * dropped. Files outside `/usr` are refused (listed in `ignored` with `OUTSIDE_USR`, which the
 * build reports as a warning naming each one): a stone can only carry `/usr`.
 */
export async function collectInstallRoot(installDir: string): Promise<Collection> {
  const files: CollectedFile[] = [];
  const ignored: Array<{ path: string; reason: string }> = [];
  // Synchronous calls: the walk is metadata-bound, and awaiting each lstat made 3,774 paths
  // take 0.8 s against the figure in docs/benchmarks.md.
  const walk = (rel: string): void => {
    const names = readdirSync(join(installDir, rel)).sort();
    for (const name of names) {
      const path = `${rel}/${name}`;
      const hostPath = join(installDir, path);
      const st = lstatSync(hostPath);
      const type = typeOf(st.mode);
      if (path !== '/usr' && !path.startsWith('/usr/')) {
        if (type === 'directory') walk(path);
        else ignored.push({ path, reason: OUTSIDE_USR });
        continue;
      }
      if (type === 'directory') {
        const empty = readdirSync(hostPath).length === 0;
        if (empty || st.mode !== 0o40755) files.push({ path, hostPath, type, mode: st.mode, size: 0 });
        walk(path);
        continue;
      }
      if (/^\/usr\/lib(32)?\/.*\.la$/.test(path)) {
        ignored.push({ path, reason: 'libtool file' });
        continue;
      }
      files.push({
        path,
        hostPath,
        type,
        mode: st.mode,
        size: st.size,
        ...(type === 'symlink' ? { linkTarget: readlinkSync(hostPath) } : {}),
      });
    }
  };
  walk('');
  return { files, ignored };
}
