import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyFileAtomic, hashFile, TEMP_SUFFIX, writeFileAtomic } from './atomic-write.js';
import { renderBootEntry } from './boot-entry.js';
import { BootError, ioError } from './boot-error.js';
import { joinCaseInsensitive } from './case-insensitive-path.js';
import { readCmdlineSnippets } from './cmdline.js';
import { discoverBootEnvironment } from './discover-boot.js';
import { discoverKernels } from './kernels.js';
import { type OsRelease, parseOsRelease } from './os-release.js';
import { planBootEntries, type StateBootInfo, selectStates } from './plan-boot-entries.js';
import { installSystemdBoot, type LoaderInstall } from './systemd-boot.js';

/** One moss state as the transaction engine knows it. */
export interface BootStateInput {
  readonly id: number | string;
  /** The state's `/usr` tree: `<root>/usr` for the live state, its archived tree otherwise. */
  readonly usrDir: string;
  readonly createdAt: Date | string | number;
  /** A few words for the menu title, e.g. `install firefox`. */
  readonly summary?: string;
}

export interface SyncBootOptions {
  /** The installation root. `/` is the running system; anything else is an image. */
  readonly root: string;
  /** The states moss has (any order); entries go to `defaultId` and the `keep` newest others. */
  readonly states: readonly BootStateInput[];
  /** The state to boot by default (the one just made or activated); default: the newest. */
  readonly defaultId?: number | string;
  /** How many older states get entries besides the default one (default 4, as moss). */
  readonly keep?: number;
  /**
   * The ESP directory. Required for an image (the host's ESP is never used for one);
   * for the running system it replaces discovery.
   */
  readonly bootDir?: string;
  /** An XBOOTLDR directory for kernels and entries (with bootDir). */
  readonly xbootldrDir?: string;
  /** Where the running system's `/sys`, `/proc`, `/dev` and mounts are seen (tests); default `/`. */
  readonly sysRoot?: string;
  /**
   * root=… (and rootflags, rd.luks…) for every entry. Default: discovered for the running
   * system; none for an image, whose root systemd-gpt-auto-generator then finds by its
   * Discoverable Partitions type.
   */
  readonly rootArgument?: string;
  /** Replaces the OS name in titles (default os-release PRETTY_NAME). */
  readonly osName?: string;
  /** Names files and entries (default os-release ID). */
  readonly entryToken?: string;
  /** Install or update systemd-boot from the default state (default true). */
  readonly installBootloader?: boolean;
  /** Told about each step as it happens; the tools render these. */
  readonly onEvent?: (event: BootEvent) => void;
}

/** What syncBoot reports while it works (the result repeats it in total). */
export type BootEvent =
  | { readonly type: 'boot-copy'; readonly source: string; readonly target: string }
  | {
      readonly type: 'boot-entry';
      readonly path: string;
      readonly stateId: string;
      readonly changed: boolean;
    }
  | { readonly type: 'boot-loader'; readonly install: LoaderInstall }
  | { readonly type: 'boot-remove'; readonly path: string }
  | { readonly type: 'warning'; readonly message: string };

export interface SyncedEntry {
  /** Path of the entry file. */
  readonly path: string;
  readonly stateId: string;
  readonly kernelVersion: string;
  readonly title: string;
  readonly isDefault: boolean;
}

export interface SyncBootResult {
  /** `skipped` leaves the boot partition untouched; `reason` says why (BIOS, no kernel). */
  readonly status: 'synced' | 'skipped';
  readonly reason?: string;
  readonly mode: 'native' | 'image';
  readonly espDir?: string;
  readonly bootRoot?: string;
  readonly entries: readonly SyncedEntry[];
  /** Files copied this run (absolute paths on the boot partition). */
  readonly copied: readonly string[];
  /** Files already in place with the right content. */
  readonly unchanged: number;
  /** Entries and files removed because no selected state needs them any more. */
  readonly removed: readonly string[];
  readonly bootloader: readonly LoaderInstall[];
  /** States left out and why (missing tree, no kernel). */
  readonly warnings: readonly string[];
}

/** Records what this package owns on a boot partition, so cleanup never touches anything else. */
interface Manifest {
  readonly entries: string[];
  readonly files: string[];
}

export const MANIFEST_NAME = 'serpent-boot.json';

/**
 * Brings the boot partition in step with the states: one BLS entry per kernel of the
 * default state and the `keep` newest others (with `moss.fstx=<id>`), kernels and initrds
 * copied once per content, systemd-boot installed or updated, and entries and files of
 * states no longer selected removed. Only files recorded in the manifest
 * (`/<token>/serpent-boot.json`) are ever removed; the manifest is widened before any copy
 * and narrowed after cleanup, so a crash leaves at worst files that the next run removes.
 */
export async function syncBoot(options: SyncBootOptions): Promise<SyncBootResult> {
  const root = resolve(options.root);
  const mode = root === '/' ? 'native' : 'image';
  const emit = options.onEvent ?? (() => {});
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const empty = {
    mode,
    entries: [],
    copied: [],
    unchanged: 0,
    removed: [],
    bootloader: [],
    warnings,
  } as const;
  const keep = options.keep ?? 4;
  if (!Number.isInteger(keep) || keep < 0) {
    throw new BootError('BOOT_INVALID_INPUT', root, `keep must be a whole number ≥ 0, got ${keep}`);
  }
  const states = normaliseStates(options.states);
  const selected = selectStates(
    states,
    keep,
    options.defaultId === undefined ? undefined : String(options.defaultId),
  );
  if (selected.length === 0) {
    if (options.defaultId !== undefined) {
      throw new BootError(
        'BOOT_INVALID_INPUT',
        root,
        `default state ${options.defaultId} is not among the states`,
      );
    }
    return { ...empty, status: 'skipped', reason: 'no states given' };
  }

  // Where to write, and the root= arguments. An image never looks at the host.
  let espDir: string;
  let bootRoot: string;
  let rootArguments: string[];
  if (mode === 'image') {
    if (options.bootDir === undefined) {
      throw new BootError('BOOT_NO_BOOT_DIR', root, 'an image needs the directory of its ESP');
    }
    espDir = resolve(options.bootDir);
    bootRoot = resolve(options.xbootldrDir ?? options.bootDir);
    rootArguments = splitArgs(options.rootArgument);
  } else {
    const sysRoot = options.sysRoot ?? '/';
    const env = discoverBootEnvironment({ sysRoot });
    if (options.bootDir !== undefined) {
      espDir = resolve(options.bootDir);
      bootRoot = resolve(options.xbootldrDir ?? options.bootDir);
    } else {
      if (env.firmware === 'bios') {
        return {
          ...empty,
          status: 'skipped',
          reason:
            'BIOS firmware: boot entries are managed only on UEFI systems (systemd-boot); configure your BIOS boot loader yourself',
        };
      }
      if (env.esp === undefined)
        throw new BootError('BOOT_NO_ESP', join(sysRoot, 'sys/class/block'), 'no ESP found');
      if (env.esp.mountPoint === undefined) {
        throw new BootError('BOOT_ESP_NOT_MOUNTED', env.esp.device, 'the ESP is not mounted', {
          device: env.esp.device,
        });
      }
      espDir = join(sysRoot, env.esp.mountPoint);
      bootRoot = env.xbootldr?.mountPoint === undefined ? espDir : join(sysRoot, env.xbootldr.mountPoint);
    }
    if (options.rootArgument !== undefined) rootArguments = splitArgs(options.rootArgument);
    else if (env.rootArguments !== undefined) rootArguments = [...env.rootArguments];
    else {
      throw new BootError(
        'BOOT_ROOT_UNKNOWN',
        env.rootDevice ?? root,
        'cannot tell how the kernel finds the root filesystem',
      );
    }
  }
  for (const dir of [espDir, bootRoot]) {
    if (!existsSync(dir)) throw new BootError('BOOT_NO_BOOT_DIR', dir, 'the boot directory does not exist');
  }

  // Read every selected state's tree.
  const infos: StateBootInfo[] = [];
  for (const [i, state] of selected.entries()) {
    if (!existsSync(state.usrDir)) {
      if (i === 0)
        throw new BootError(
          'BOOT_INVALID_INPUT',
          state.usrDir,
          `state ${state.id}: its /usr tree is missing`,
        );
      warn(`state ${state.id}: ${state.usrDir} is missing; no entry`);
      continue;
    }
    const kernels = discoverKernels(state.usrDir);
    if (kernels.length === 0) {
      warn(`state ${state.id}: no kernel in ${state.usrDir}/lib/kernel or lib/modules; no entry`);
      continue;
    }
    const hashed = [];
    for (const kernel of kernels) {
      const initrdHashes: string[] = [];
      for (const initrd of kernel.initrds) initrdHashes.push((await hashFile(initrd))!);
      hashed.push({ kernel, imageHash: (await hashFile(kernel.image))!, initrdHashes });
    }
    infos.push({
      id: state.id,
      createdAt: state.createdAt,
      summary: state.summary,
      os: readOsRelease(state.usrDir),
      kernels: hashed,
      snippets: readCmdlineSnippets([
        join(state.usrDir, 'lib/kernel/cmdline.d'),
        join(root, 'etc/kernel/cmdline.d'),
      ]).map((s) => s.text),
    });
  }
  if (infos.length === 0) {
    return { ...empty, status: 'skipped', reason: 'no selected state has a kernel', espDir, bootRoot };
  }

  const token = options.entryToken ?? infos[0]!.os.id;
  const plan = planBootEntries({ token, osName: options.osName, rootArguments, states: infos });
  const manifestPath = joinCaseInsensitive(bootRoot, `${token}/${MANIFEST_NAME}`);
  const old = readManifest(manifestPath);
  const next: Manifest = {
    entries: plan.entries.map((e) => e.fileName),
    files: plan.files.map((f) => f.target),
  };
  await writeManifest(manifestPath, {
    entries: union(old.entries, next.entries),
    files: union(old.files, next.files),
  });

  const copied: string[] = [];
  let unchanged = 0;
  for (const file of plan.files) {
    const dest = joinCaseInsensitive(bootRoot, file.target);
    if ((await hashFile(dest)) === file.sha256) {
      unchanged++;
      continue;
    }
    emit({ type: 'boot-copy', source: file.source, target: dest });
    await copyFileAtomic(file.source, dest);
    copied.push(dest);
  }
  const entries: SyncedEntry[] = [];
  for (const [i, planned] of plan.entries.entries()) {
    const dest = joinCaseInsensitive(bootRoot, `loader/entries/${planned.fileName}`);
    const text = renderBootEntry(planned.entry);
    const changed = readIfExists(dest) !== text;
    if (changed) await writeFileAtomic(dest, text);
    emit({ type: 'boot-entry', path: dest, stateId: planned.stateId, changed });
    entries.push({
      path: dest,
      stateId: planned.stateId,
      kernelVersion: planned.kernelVersion,
      title: planned.entry.title,
      isDefault: i === 0,
    });
  }
  const bootloader =
    options.installBootloader === false ? [] : await installSystemdBoot(selected[0]!.usrDir, espDir);

  const removed: string[] = [];
  const stale = [
    ...old.entries.filter((n) => !next.entries.includes(n)).map((n) => `loader/entries/${n}`),
    ...old.files.filter((t) => !next.files.includes(t)),
  ];
  for (const rel of stale) {
    const path = joinCaseInsensitive(bootRoot, rel);
    if (await removeFile(path)) {
      removed.push(path);
      emit({ type: 'boot-remove', path });
    }
  }
  await removeLeftovers(joinCaseInsensitive(bootRoot, token), true);
  await removeLeftovers(joinCaseInsensitive(bootRoot, 'loader/entries'), false);
  await writeManifest(manifestPath, next);

  return {
    status: 'synced',
    mode,
    espDir,
    bootRoot,
    entries,
    copied,
    unchanged,
    removed,
    bootloader,
    warnings,
  };
}

interface NormalState {
  readonly id: string;
  readonly usrDir: string;
  readonly createdAt: Date;
  readonly summary: string | undefined;
}

function normaliseStates(states: readonly BootStateInput[]): NormalState[] {
  const seen = new Set<string>();
  return states.map((s) => {
    const id = String(s.id);
    if (!/^[A-Za-z0-9._-]+$/.test(id)) {
      throw new BootError(
        'BOOT_INVALID_INPUT',
        s.usrDir,
        `state id ${JSON.stringify(id)} is not a plain token`,
      );
    }
    if (seen.has(id)) throw new BootError('BOOT_INVALID_INPUT', s.usrDir, `state ${id} is given twice`);
    seen.add(id);
    const createdAt = s.createdAt instanceof Date ? s.createdAt : new Date(s.createdAt);
    if (Number.isNaN(createdAt.getTime())) {
      throw new BootError('BOOT_INVALID_INPUT', s.usrDir, `state ${id} has no valid creation time`);
    }
    return { id, usrDir: resolve(s.usrDir), createdAt, summary: s.summary };
  });
}

function readOsRelease(usrDir: string): OsRelease {
  const path = join(usrDir, 'lib/os-release');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BootError('BOOT_BAD_OS_RELEASE', path, 'cannot read os-release', {}, error);
  }
  const os = parseOsRelease(text);
  if (os === undefined) throw new BootError('BOOT_BAD_OS_RELEASE', path, 'NAME= or a valid ID= is missing');
  return os;
}

function readManifest(path: string): Manifest {
  const text = readIfExists(path);
  if (text === undefined) return { entries: [], files: [] };
  try {
    const value = JSON.parse(text) as Partial<Manifest>;
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
    // Names are re-checked so a damaged manifest can never point outside our own files.
    return {
      entries: strings(value.entries).filter((n) => /^[^/]+\.conf$/.test(n)),
      files: strings(value.files).filter((f) => f.startsWith('/') && !f.split('/').includes('..')),
    };
  } catch {
    return { entries: [], files: [] };
  }
}

async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, ...manifest }, null, 2)}\n`);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, 'reading', error);
  }
}

/** True when the file was there and is now gone. */
async function removeFile(path: string): Promise<boolean> {
  try {
    await fsp.unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'removing', error);
    return false;
  }
}

/** Removes crashed temporary copies and (in our own directory) directories left empty. */
async function removeLeftovers(dir: string, pruneEmpty: boolean): Promise<boolean> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return false;
  }
  let remaining = names.length;
  for (const name of names) {
    const path = join(dir, name);
    const stat = await fsp.lstat(path);
    if (stat.isDirectory() && pruneEmpty) {
      if (await removeLeftovers(path, true)) {
        await fsp.rmdir(path);
        remaining--;
      }
    } else if (stat.isFile() && name.endsWith(TEMP_SUFFIX)) {
      await fsp.unlink(path);
      remaining--;
    }
  }
  return remaining === 0;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function splitArgs(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((a) => a !== '');
}
