import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type GptPartition, parseGpt } from './gpt.js';

/** GPT partition type of the EFI System Partition (Discoverable Partitions Specification). */
export const ESP_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
/** GPT partition type of the Extended Boot Loader Partition (XBOOTLDR). */
export const XBOOTLDR_TYPE = 'bc13c2ff-59e6-4262-a352-b275fd6f7172';

/**
 * What sysfs and udev know about one block device. Everything is read below a given
 * system root (`<sysRoot>/sys`, `<sysRoot>/run/udev/data`, `<sysRoot>/dev/disk/by-*`), so a
 * fixture tree stands in for the machine in tests and images never look at the host.
 */
export interface BlockDevice {
  /** Kernel name, e.g. `nvme0n1p2`, `dm-0`. */
  readonly name: string;
  /** `major:minor`. */
  readonly devno: string | undefined;
  /** The whole disk a partition belongs to (undefined for a disk or a dm device). */
  readonly disk: string | undefined;
  readonly fsType: string | undefined;
  readonly fsUuid: string | undefined;
  /** GPT partition UUID, lower case. */
  readonly partUuid: string | undefined;
  /** GPT partition type GUID, lower case. */
  readonly partType: string | undefined;
  /** device-mapper UUID (`CRYPT-LUKS2-…`, `LVM-…`). */
  readonly dmUuid: string | undefined;
  /** Devices this one is stacked on (`slaves/`). */
  readonly slaves: readonly string[];
}

/** Names of every block device in `<sysRoot>/sys/class/block`, sorted. */
export function listBlockDevices(sysRoot: string): string[] {
  try {
    return readdirSync(join(sysRoot, 'sys/class/block')).sort();
  } catch {
    return [];
  }
}

/** The device name for `major:minor`, through `<sysRoot>/sys/dev/block/<devno>`. */
export function blockDeviceByDevno(sysRoot: string, devno: string): string | undefined {
  try {
    return basename(readlinkSync(join(sysRoot, 'sys/dev/block', devno)));
  } catch {
    return undefined;
  }
}

/**
 * The device name for a mount source such as `/dev/sda2` or `/dev/mapper/root` (a symlink
 * to `../dm-0`), resolved inside `sysRoot` without touching the host's `/dev`.
 */
export function blockDeviceBySource(sysRoot: string, source: string): string | undefined {
  if (!source.startsWith('/dev/')) return undefined;
  let path = source;
  for (let hops = 0; hops < 8; hops++) {
    let target: string;
    try {
      target = readlinkSync(join(sysRoot, path));
    } catch {
      break;
    }
    path = target.startsWith('/') ? target : join(dirname(path), target);
  }
  const name = basename(path);
  return existsSync(join(sysRoot, 'sys/class/block', name)) ? name : undefined;
}

/** Reads one device; undefined when sysfs does not list it. */
export function readBlockDevice(sysRoot: string, name: string): BlockDevice | undefined {
  const sysDir = join(sysRoot, 'sys/class/block', name);
  if (!existsSync(sysDir)) return undefined;
  const devno = readTrimmed(join(sysDir, 'dev'));
  const udev = devno === undefined ? new Map<string, string>() : readUdevData(sysRoot, devno);
  let disk: string | undefined;
  const partitionNumber = Number(readTrimmed(join(sysDir, 'partition')) ?? Number.NaN);
  if (existsSync(join(sysDir, 'partition'))) {
    // sysfs nests a partition inside its disk: …/block/nvme0n1/nvme0n1p2.
    try {
      disk = basename(dirname(realpathSync(sysDir)));
    } catch {
      disk = undefined;
    }
  }
  let slaves: string[] = [];
  try {
    slaves = readdirSync(join(sysDir, 'slaves')).sort();
  } catch {
    slaves = [];
  }
  let partUuid = lower(udev.get('ID_PART_ENTRY_UUID') ?? byLinkName(sysRoot, 'by-partuuid', name));
  let partType = lower(udev.get('ID_PART_ENTRY_TYPE') ?? partTypeByLink(sysRoot, name));
  if (
    (partUuid === undefined || partType === undefined) &&
    disk !== undefined &&
    Number.isInteger(partitionNumber)
  ) {
    const entry = readGpt(sysRoot, disk)?.find((p) => p.number === partitionNumber);
    partUuid ??= entry?.partUuid;
    partType ??= entry?.typeGuid;
  }
  return {
    name,
    devno,
    disk,
    fsType: udev.get('ID_FS_TYPE'),
    fsUuid: udev.get('ID_FS_UUID') ?? byLinkName(sysRoot, 'by-uuid', name),
    partUuid,
    partType,
    dmUuid: readTrimmed(join(sysDir, 'dm/uuid')),
    slaves,
  };
}

/**
 * The GPT of `<sysRoot>/dev/<disk>`, read with the disk's logical sector size; undefined
 * when the disk cannot be read (no permission, no such node) or holds no valid GPT.
 */
function readGpt(sysRoot: string, disk: string): GptPartition[] | undefined {
  const sectorSize = Number(
    readTrimmed(join(sysRoot, 'sys/class/block', disk, 'queue/logical_block_size')) ?? 512,
  );
  let fd: number;
  try {
    fd = openSync(join(sysRoot, 'dev', disk), 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(2 * sectorSize);
    readSync(fd, head, 0, head.length, 0);
    if (head.toString('latin1', sectorSize, sectorSize + 8) !== 'EFI PART') return undefined;
    const end =
      Number(head.readBigUInt64LE(sectorSize + 72)) * sectorSize +
      head.readUInt32LE(sectorSize + 80) * head.readUInt32LE(sectorSize + 84);
    if (end > 4 * 1024 * 1024) return undefined; // far beyond any real entry array (128 × 128 B)
    const bytes = Buffer.alloc(end);
    readSync(fd, bytes, 0, end, 0);
    return parseGpt(bytes, sectorSize);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The `E:` properties of udev's database entry for a block device. */
function readUdevData(sysRoot: string, devno: string): Map<string, string> {
  const props = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(join(sysRoot, 'run/udev/data', `b${devno}`), 'utf8');
  } catch {
    return props;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    if (eq > 2) props.set(line.slice(2, eq), line.slice(eq + 1));
  }
  return props;
}

/** Reverse lookup in `/dev/disk/by-uuid` or `by-partuuid`: the link that points at `name`. */
function byLinkName(sysRoot: string, dir: string, name: string): string | undefined {
  const base = join(sysRoot, 'dev/disk', dir);
  for (const link of safeReaddir(base)) {
    try {
      if (basename(readlinkSync(join(base, link))) === name) return link;
    } catch {}
  }
  return undefined;
}

/** `/dev/disk/by-parttypeuuid/<type>.<partuuid>` (udev 255+) as a fallback for the type. */
function partTypeByLink(sysRoot: string, name: string): string | undefined {
  const link = byLinkName(sysRoot, 'by-parttypeuuid', name);
  return link?.split('.')[0];
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function lower(value: string | undefined): string | undefined {
  return value?.toLowerCase();
}
