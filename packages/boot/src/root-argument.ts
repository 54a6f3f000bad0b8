import type { BlockDevice } from './block-devices.js';
import type { MountInfo } from './mountinfo.js';

/**
 * The kernel arguments that find the root filesystem, from the mounted root device (`top`)
 * and the devices it is stacked on (`lower`, e.g. LUKS and LVM below a dm device):
 *  - `rd.luks.uuid=<uuid>` for every LUKS container in the stack;
 *  - btrfs: `root=UUID=<fs uuid>` and `rootflags=subvol=<subvolume>` unless the
 *    top-level subvolume is mounted (blsforme wrote `rootfsflags=`, which no kernel reads);
 *  - a GPT partition: `root=PARTUUID=<uuid>` (stable across mkfs);
 *  - otherwise `root=UUID=<fs uuid>`.
 * Undefined when nothing identifies the root; the caller asks for an explicit argument.
 */
export function rootArguments(
  top: BlockDevice,
  mount: MountInfo,
  lower: readonly BlockDevice[],
): string[] | undefined {
  const args: string[] = [];
  for (const dev of [top, ...lower]) {
    const luks = luksUuid(dev);
    if (luks !== undefined && !args.includes(`rd.luks.uuid=${luks}`)) args.push(`rd.luks.uuid=${luks}`);
  }
  const fsType = mount.fsType || top.fsType;
  if (fsType === 'btrfs') {
    if (top.fsUuid === undefined) return undefined;
    args.push(`root=UUID=${top.fsUuid}`);
    const subvol = mount.superOptions.find((o) => o.startsWith('subvol='))?.slice('subvol='.length);
    if (subvol !== undefined && subvol !== '/' && subvol !== '') args.push(`rootflags=subvol=${subvol}`);
    return args;
  }
  if (top.partUuid !== undefined) args.push(`root=PARTUUID=${top.partUuid}`);
  else if (top.fsUuid !== undefined) args.push(`root=UUID=${top.fsUuid}`);
  else return undefined;
  return args;
}

/** The LUKS UUID of a container, from udev (`crypto_LUKS`) or the dm UUID of its mapping. */
function luksUuid(dev: BlockDevice): string | undefined {
  if (dev.fsType === 'crypto_LUKS' && dev.fsUuid !== undefined) return dev.fsUuid;
  const m = dev.dmUuid?.match(/^CRYPT-LUKS[12]-([0-9a-f]{32})-/i);
  if (m === null || m === undefined) return undefined;
  const h = m[1]!.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
