import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { copyFileAtomic } from './atomic-write.js';
import { ioError } from './boot-error.js';
import { joinCaseInsensitive } from './case-insensitive-path.js';
import { compareVersions } from './version-compare.js';

/** What happened to one systemd-boot binary on the ESP. */
export interface LoaderInstall {
  /** Absolute path on the ESP. */
  readonly path: string;
  readonly action: 'installed' | 'updated' | 'unchanged' | 'kept-newer' | 'kept-foreign';
  /** The version of the binary now in place (from its LoaderInfo marker). */
  readonly version: string | undefined;
}

/**
 * The version systemd-boot embeds in its binary as `#### LoaderInfo: systemd-boot <v> ####`
 * (what `bootctl` reads too). Undefined for any other EFI program.
 */
export function systemdBootVersion(binary: Uint8Array): string | undefined {
  const text = Buffer.from(binary.buffer, binary.byteOffset, binary.length).toString('latin1');
  const m = text.match(/#### LoaderInfo: systemd-boot (\S+) ####/);
  return m?.[1];
}

/**
 * Installs or updates systemd-boot on the ESP from a state's
 * `/usr/lib/systemd/boot/efi/systemd-boot<arch>.efi`, like `bootctl update`:
 *  - `EFI/systemd/systemd-boot<arch>.efi` is systemd-boot's own path;
 *  - `EFI/BOOT/BOOT<ARCH>.EFI`, the removable-media fallback the firmware boots when it has
 *    no boot entry, is written when absent or already systemd-boot; another loader there
 *    (shim, GRUB) is left alone;
 *  - a newer systemd-boot already in place is not downgraded: booting an older state must
 *    not roll back the boot loader that boots every state.
 * Returns nothing when the state ships no systemd-boot.
 */
export async function installSystemdBoot(usrDir: string, espDir: string): Promise<LoaderInstall[]> {
  const sourceDir = join(usrDir, 'lib/systemd/boot/efi');
  let names: string[];
  try {
    names = (await fsp.readdir(sourceDir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(sourceDir, 'listing systemd-boot binaries', error);
  }
  const results: LoaderInstall[] = [];
  for (const name of names) {
    const m = name.match(/^systemd-boot([a-z0-9]+)\.efi$/);
    if (m === null) continue;
    const arch = m[1]!;
    const source = join(sourceDir, name);
    const sourceBytes = await readOrThrow(source);
    const version = systemdBootVersion(sourceBytes);
    const targets: Array<[string, boolean]> = [
      [joinCaseInsensitive(espDir, `EFI/systemd/${name}`), true],
      [joinCaseInsensitive(espDir, `EFI/BOOT/BOOT${arch.toUpperCase()}.EFI`), false],
    ];
    for (const [path, ownPath] of targets) {
      results.push(await placeLoader(source, sourceBytes, version, path, ownPath));
    }
  }
  return results;
}

async function placeLoader(
  source: string,
  sourceBytes: Uint8Array,
  version: string | undefined,
  path: string,
  ownPath: boolean,
): Promise<LoaderInstall> {
  let existing: Buffer | undefined;
  try {
    existing = await fsp.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'reading', error);
  }
  if (existing === undefined) {
    await copyFileAtomic(source, path);
    return { path, action: 'installed', version };
  }
  if (Buffer.compare(existing, sourceBytes) === 0) return { path, action: 'unchanged', version };
  const existingVersion = systemdBootVersion(existing);
  if (existingVersion === undefined && !ownPath) return { path, action: 'kept-foreign', version: undefined };
  if (
    existingVersion !== undefined &&
    version !== undefined &&
    compareVersions(existingVersion, version) > 0
  ) {
    return { path, action: 'kept-newer', version: existingVersion };
  }
  await copyFileAtomic(source, path);
  return { path, action: 'updated', version };
}

async function readOrThrow(path: string): Promise<Buffer> {
  try {
    return await fsp.readFile(path);
  } catch (error) {
    throw ioError(path, 'reading', error);
  }
}
