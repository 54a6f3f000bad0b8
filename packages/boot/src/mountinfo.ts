/** One line of /proc/self/mountinfo. */
export interface MountInfo {
  /** `major:minor` of the mounted device (0:N for btrfs subvolumes and virtual filesystems). */
  readonly devno: string;
  /** The root of the mount inside its filesystem (the btrfs subvolume path for btrfs). */
  readonly fsRoot: string;
  readonly mountPoint: string;
  readonly fsType: string;
  /** The mount source, e.g. `/dev/nvme0n1p2`. */
  readonly source: string;
  readonly superOptions: readonly string[];
}

/** Parses mountinfo(5) text; octal escapes (`\040` for a space) are decoded. */
export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 3) continue;
    mounts.push({
      devno: fields[2]!,
      fsRoot: decodeOctal(fields[3]!),
      mountPoint: decodeOctal(fields[4]!),
      fsType: fields[dash + 1]!,
      source: decodeOctal(fields[dash + 2]!),
      superOptions: (fields[dash + 3] ?? '').split(','),
    });
  }
  return mounts;
}

/**
 * The mount a path lives on: the last-mounted entry whose mount point is the longest
 * prefix of `path` (later lines shadow earlier ones on the same point).
 */
export function mountContaining(mounts: readonly MountInfo[], path: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const p = m.mountPoint;
    const inside = p === '/' || path === p || path.startsWith(`${p}/`);
    if (inside && (best === undefined || p.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

function decodeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}
