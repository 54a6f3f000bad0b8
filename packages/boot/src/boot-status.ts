import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ParsedBootEntry, parseBootEntry } from './boot-entry.js';
import { BootError } from './boot-error.js';
import { joinCaseInsensitive } from './case-insensitive-path.js';
import { type BootEnvironment, type BootPartition, discoverBootEnvironment } from './discover-boot.js';
import { systemdBootVersion } from './systemd-boot.js';
import { compareVersions } from './version-compare.js';

export interface BootStatusOptions {
  /** The installation root; `/` is the running system, anything else an image. */
  readonly root: string;
  /** The ESP directory (required for an image). */
  readonly bootDir?: string;
  readonly xbootldrDir?: string;
  /** Where the running system's `/sys`, `/proc` and `/dev` are seen; default `/`. */
  readonly sysRoot?: string;
}

/** One entry found on the boot partitions, ours or another tool's: its parsed keys, and more. */
export interface EntryStatus extends ParsedBootEntry {
  readonly path: string;
  /** The `moss.fstx=` state it boots, if any. */
  readonly stateId: string | undefined;
  /** `linux`/`initrd` paths that do not exist on the partition (a broken entry). */
  readonly missing: readonly string[];
  /** First in systemd-boot's order, so booted when no default is configured. */
  readonly isDefault: boolean;
}

export interface BootStatus {
  readonly mode: 'native' | 'image';
  /** The running system's discovery; undefined for an image. */
  readonly environment: BootEnvironment | undefined;
  readonly espDir: string | undefined;
  readonly bootRoot: string | undefined;
  /** systemd-boot binaries on the ESP and their versions. */
  readonly bootloader: ReadonlyArray<{ path: string; version: string | undefined }>;
  /** Entries in systemd-boot's menu order. */
  readonly entries: readonly EntryStatus[];
}

/**
 * Reports firmware, ESP, XBOOTLDR, the boot loader and every entry with what it boots,
 * for `moss boot status`. Reads only; an image is read from `bootDir` alone.
 */
export function bootStatus(options: BootStatusOptions): BootStatus {
  const root = resolve(options.root);
  const mode = root === '/' ? 'native' : 'image';
  let environment: BootEnvironment | undefined;
  let espDir: string | undefined;
  let bootRoot: string | undefined;
  if (mode === 'image') {
    if (options.bootDir === undefined) {
      throw new BootError('BOOT_NO_BOOT_DIR', root, 'an image needs the directory of its ESP');
    }
  } else {
    environment = discoverBootEnvironment({ sysRoot: options.sysRoot ?? '/' });
  }
  const sysRoot = options.sysRoot ?? '/';
  const mounted = (p: BootPartition | undefined): string | undefined =>
    p?.mountPoint === undefined ? undefined : join(sysRoot, p.mountPoint);
  espDir = options.bootDir !== undefined ? resolve(options.bootDir) : mounted(environment?.esp);
  bootRoot =
    options.xbootldrDir !== undefined
      ? resolve(options.xbootldrDir)
      : options.bootDir !== undefined
        ? espDir
        : (mounted(environment?.xbootldr) ?? espDir);

  const bootloader: Array<{ path: string; version: string | undefined }> = [];
  if (espDir !== undefined) {
    for (const rel of ['EFI/systemd', 'EFI/BOOT']) {
      const dir = joinCaseInsensitive(espDir, rel);
      for (const name of list(dir).filter((n) => n.toLowerCase().endsWith('.efi'))) {
        const path = join(dir, name);
        bootloader.push({ path, version: systemdBootVersion(readFileSync(path)) });
      }
    }
  }

  const entries: Array<Omit<EntryStatus, 'isDefault'> & { id: string }> = [];
  for (const dir of new Set([espDir, bootRoot].filter((d) => d !== undefined))) {
    const entriesDir = joinCaseInsensitive(dir, 'loader/entries');
    for (const name of list(entriesDir).filter((n) => n.endsWith('.conf'))) {
      const path = join(entriesDir, name);
      const parsed = parseBootEntry(readFileSync(path, 'utf8'));
      const refs = [parsed.linux, ...parsed.initrd].filter((r) => r !== undefined);
      entries.push({
        id: name.slice(0, -'.conf'.length),
        path,
        title: parsed.title,
        version: parsed.version,
        sortKey: parsed.sortKey,
        linux: parsed.linux,
        initrd: parsed.initrd,
        options: parsed.options,
        stateId: parsed.options?.match(/(?:^|\s)moss\.fstx=(\S+)/)?.[1],
        ours: parsed.ours,
        missing: refs.filter((r) => !existsSync(joinCaseInsensitive(dir, r))),
      });
    }
  }
  entries.sort(menuOrder);
  return {
    mode,
    environment,
    espDir,
    bootRoot,
    bootloader,
    entries: entries.map(({ id: _id, ...e }, i) => ({ ...e, isDefault: i === 0 })),
  };
}

/**
 * systemd-boot's menu order (boot_entry_compare, v251+): entries with a sort-key first,
 * by sort-key, then version downwards; then everything by id downwards.
 */
function menuOrder(
  a: { sortKey: string | undefined; version: string | undefined; id: string },
  b: { sortKey: string | undefined; version: string | undefined; id: string },
): number {
  if ((a.sortKey === undefined) !== (b.sortKey === undefined)) return a.sortKey === undefined ? 1 : -1;
  if (a.sortKey !== undefined && b.sortKey !== undefined) {
    if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
    const v = -compareVersions(a.version ?? '', b.version ?? '');
    if (v !== 0) return v;
  }
  return -compareVersions(a.id, b.id);
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
