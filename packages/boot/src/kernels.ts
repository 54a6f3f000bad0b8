import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ioError } from './boot-error.js';
import { parseCmdlineSnippet } from './cmdline.js';
import { compareVersions } from './version-compare.js';

/** A kernel found in a `/usr` tree, with absolute paths into that tree. */
export interface Kernel {
  /** The version directory's name, e.g. `6.12.15-84.desktop`. */
  readonly version: string;
  /** The kernel image. */
  readonly image: string;
  /** Its initrds, sorted by file name (they are concatenated in that order by the loader). */
  readonly initrds: readonly string[];
  /** Parsed text of the kernel's own `*.cmdline` files, sorted by file name. */
  readonly cmdline: readonly string[];
  /** Which layout it came from. */
  readonly layout: 'lib/kernel' | 'lib/modules';
}

/**
 * Finds the kernels of a `/usr` tree. Two layouts are read:
 *  - Serpent's `/usr/lib/kernel/<version>/vmlinuz` with `*.initrd` and `*.cmdline` beside it;
 *  - the `/usr/lib/modules/<version>/vmlinuz` layout (Fedora, Arch, kernel-install), whose
 *    initrd is `initrd` or `*.initrd` in the same directory.
 * A version present in both is taken from `lib/kernel`. The result is sorted newest first.
 */
export function discoverKernels(usrDir: string): Kernel[] {
  const found = new Map<string, Kernel>();
  for (const layout of ['lib/kernel', 'lib/modules'] as const) {
    const base = join(usrDir, layout);
    for (const version of listDir(base)) {
      if (found.has(version)) continue;
      const dir = join(base, version);
      const image = join(dir, 'vmlinuz');
      if (!isFile(image)) continue;
      const names = listDir(dir).sort();
      const initrds = names
        .filter((n) => n.endsWith('.initrd') || (layout === 'lib/modules' && n === 'initrd'))
        .map((n) => join(dir, n))
        .filter(isFile);
      const cmdline = names
        .filter((n) => n.endsWith('.cmdline'))
        .map((n) => join(dir, n))
        .filter(isFile)
        .map((p) => parseCmdlineSnippet(readText(p)))
        .filter((t) => t !== '');
      found.set(version, { version, image, initrds, cmdline, layout });
    }
  }
  return [...found.values()].sort((a, b) => compareVersions(b.version, a.version));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw ioError(dir, 'listing kernels', error);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw ioError(path, 'reading a kernel command-line file', error);
  }
}
