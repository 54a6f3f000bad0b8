import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BlockDevice,
  blockDeviceByDevno,
  blockDeviceBySource,
  ESP_TYPE,
  listBlockDevices,
  readBlockDevice,
  XBOOTLDR_TYPE,
} from './block-devices.js';
import { ioError } from './boot-error.js';
import { readLoaderVariable } from './efivars.js';
import { type MountInfo, mountContaining, parseMountInfo } from './mountinfo.js';
import { rootArguments } from './root-argument.js';

/** A boot partition found on the machine. */
export interface BootPartition {
  /** `/dev/<name>` as the machine names it. */
  readonly device: string;
  readonly partUuid: string | undefined;
  /** Where it is mounted (as seen inside sysRoot), or undefined. */
  readonly mountPoint: string | undefined;
  /** How it was found. */
  readonly foundBy: 'LoaderDevicePartUUID' | 'partition-type';
}

/** What the machine tells about booting: firmware, loader, ESP, XBOOTLDR and root=. */
export interface BootEnvironment {
  readonly firmware: 'uefi' | 'bios';
  /** The Boot Loader Interface `LoaderInfo` (e.g. `systemd-boot 252.39-1~deb12u2`). */
  readonly loaderInfo: string | undefined;
  readonly esp: BootPartition | undefined;
  readonly xbootldr: BootPartition | undefined;
  /** `/dev/<name>` of the root filesystem's device. */
  readonly rootDevice: string | undefined;
  /** Kernel arguments that find the root filesystem, e.g. `['root=PARTUUID=…']`. */
  readonly rootArguments: readonly string[] | undefined;
}

export interface DiscoverOptions {
  /**
   * Where `/sys`, `/proc` and `/dev` are read: `/` for the running machine, a fixture tree
   * in tests. Discovery reads nothing outside it.
   */
  readonly sysRoot?: string;
  /** The root filesystem's mount point as seen inside sysRoot (default `/`). */
  readonly rootMount?: string;
}

/**
 * Discovers the boot environment of a running system: firmware type (UEFI when
 * `sys/firmware/efi` exists), the ESP (the loader's `LoaderDevicePartUUID` first, then the
 * Discoverable Partitions type, preferring the root disk), the XBOOTLDR on the ESP's disk,
 * their mount points from `proc/self/mountinfo`, and the root= arguments.
 * Only for the running system: an image never calls it (syncBoot's image mode).
 */
export function discoverBootEnvironment(options: DiscoverOptions = {}): BootEnvironment {
  const sysRoot = options.sysRoot ?? '/';
  const mounts = readMounts(sysRoot);
  const firmware = existsSync(join(sysRoot, 'sys/firmware/efi')) ? 'uefi' : 'bios';
  const loaderInfo = firmware === 'uefi' ? readLoaderVariable(sysRoot, 'LoaderInfo') : undefined;

  const rootMount = mountContaining(mounts, options.rootMount ?? '/');
  const rootName = rootMount === undefined ? undefined : deviceOfMount(sysRoot, rootMount);
  const rootDev = rootName === undefined ? undefined : readBlockDevice(sysRoot, rootName);
  const stack = rootDev === undefined ? [] : lowerDevices(sysRoot, rootDev);
  const rootDisks = new Set([rootDev, ...stack].map((d) => d?.disk).filter((d) => d !== undefined));

  const devices = listBlockDevices(sysRoot)
    .map((n) => readBlockDevice(sysRoot, n))
    .filter((d): d is BlockDevice => d !== undefined);

  let esp: BootPartition | undefined;
  let espDisk: string | undefined;
  const loaderPartUuid =
    firmware === 'uefi' ? readLoaderVariable(sysRoot, 'LoaderDevicePartUUID') : undefined;
  const byLoader = devices.find(
    (d) => loaderPartUuid !== undefined && d.partUuid === loaderPartUuid.toLowerCase(),
  );
  if (byLoader !== undefined) {
    esp = partition(sysRoot, byLoader, mounts, 'LoaderDevicePartUUID');
    espDisk = byLoader.disk;
  } else {
    const candidates = devices.filter((d) => d.partType === ESP_TYPE);
    const pick = candidates.find((d) => d.disk !== undefined && rootDisks.has(d.disk)) ?? candidates[0];
    if (pick !== undefined) {
      esp = partition(sysRoot, pick, mounts, 'partition-type');
      espDisk = pick.disk;
    }
  }
  // The specification puts XBOOTLDR on the same disk as the ESP.
  const xdisk = espDisk ?? [...rootDisks][0];
  const x = devices.find((d) => d.partType === XBOOTLDR_TYPE && d.disk === xdisk);

  return {
    firmware,
    loaderInfo,
    esp,
    xbootldr: x === undefined ? undefined : partition(sysRoot, x, mounts, 'partition-type'),
    rootDevice: rootDev === undefined ? undefined : `/dev/${rootDev.name}`,
    rootArguments:
      rootDev === undefined || rootMount === undefined ? undefined : rootArguments(rootDev, rootMount, stack),
  };
}

function readMounts(sysRoot: string): MountInfo[] {
  const path = join(sysRoot, 'proc/self/mountinfo');
  try {
    return parseMountInfo(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(path, 'reading the mount table', error);
  }
}

/** btrfs reports an anonymous 0:N device number, so fall back to the mount source. */
function deviceOfMount(sysRoot: string, mount: MountInfo): string | undefined {
  const byDevno = mount.devno.startsWith('0:') ? undefined : blockDeviceByDevno(sysRoot, mount.devno);
  return byDevno ?? blockDeviceBySource(sysRoot, mount.source);
}

/** Every device below `dev` in the device-mapper stack, depth first, each once. */
function lowerDevices(sysRoot: string, dev: BlockDevice): BlockDevice[] {
  const out: BlockDevice[] = [];
  const seen = new Set([dev.name]);
  const walk = (d: BlockDevice): void => {
    for (const s of d.slaves) {
      if (seen.has(s)) continue;
      seen.add(s);
      const child = readBlockDevice(sysRoot, s);
      if (child === undefined) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(dev);
  return out;
}

function partition(
  sysRoot: string,
  dev: BlockDevice,
  mounts: readonly MountInfo[],
  foundBy: BootPartition['foundBy'],
): BootPartition {
  const mount = mounts.find(
    (m) =>
      (dev.devno !== undefined && m.devno === dev.devno) ||
      blockDeviceBySource(sysRoot, m.source) === dev.name,
  );
  return { device: `/dev/${dev.name}`, partUuid: dev.partUuid, mountPoint: mount?.mountPoint, foundBy };
}
