import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `serpent-boot-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function write(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

export function link(path: string, target: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

export interface KernelSpec {
  readonly version: string;
  /** Content of vmlinuz; different content means a different build. */
  readonly image: string | Uint8Array;
  readonly initrds?: Record<string, string>;
  readonly cmdline?: Record<string, string>;
  readonly layout?: 'lib/kernel' | 'lib/modules';
}

/** Writes a state's `/usr` tree: os-release, kernels, cmdline.d snippets. */
export function makeUsr(
  usrDir: string,
  spec: {
    kernels: readonly KernelSpec[];
    snippets?: Record<string, string>;
    prettyName?: string;
    systemdBoot?: Uint8Array;
  },
): string {
  write(
    join(usrDir, 'lib/os-release'),
    `NAME="Serpent OS"\nID="serpentos"\nPRETTY_NAME="${spec.prettyName ?? 'Serpent OS 0.24.6'}"\n`,
  );
  for (const k of spec.kernels) {
    const dir = join(usrDir, k.layout ?? 'lib/kernel', k.version);
    write(join(dir, 'vmlinuz'), k.image);
    for (const [name, text] of Object.entries(k.initrds ?? {})) write(join(dir, name), text);
    for (const [name, text] of Object.entries(k.cmdline ?? {})) write(join(dir, name), text);
  }
  for (const [name, text] of Object.entries(spec.snippets ?? {}))
    write(join(usrDir, 'lib/kernel/cmdline.d', name), text);
  if (spec.systemdBoot !== undefined)
    write(join(usrDir, 'lib/systemd/boot/efi/systemd-bootx64.efi'), spec.systemdBoot);
  return usrDir;
}

/** A stand-in EFI binary carrying systemd-boot's version marker. */
export function fakeSystemdBoot(version: string): Uint8Array {
  return Buffer.from(`MZ\0\0 fake loader #### LoaderInfo: systemd-boot ${version} #### end`, 'latin1');
}

export interface FixtureDevice {
  readonly name: string;
  readonly devno: string;
  /** For a partition: its disk and number. */
  readonly disk?: string;
  readonly partition?: number;
  readonly slaves?: readonly string[];
  readonly dmUuid?: string;
  /** udev properties (ID_FS_TYPE, ID_FS_UUID, ID_PART_ENTRY_UUID, ID_PART_ENTRY_TYPE). */
  readonly udev?: Record<string, string>;
  /** /dev/disk/by-uuid and by-partuuid links instead of (or besides) udev data. */
  readonly byUuid?: string;
  readonly byPartUuid?: string;
}

/**
 * Builds a sysfs/proc/dev/run tree shaped like the kernel's: partitions nested inside their
 * disk under `sys/devices`, `sys/class/block` and `sys/dev/block` as relative symlinks.
 */
export function makeSysRoot(
  root: string,
  spec: {
    devices: readonly FixtureDevice[];
    mountinfo: string;
    uefi: boolean;
    efivars?: Record<string, Uint8Array>;
    devLinks?: Record<string, string>;
  },
): string {
  for (const d of spec.devices) {
    const devPath =
      d.disk !== undefined
        ? `devices/pci0000:00/block/${d.disk}/${d.name}`
        : `devices/virtual/block/${d.name}`;
    const sysDir = join(root, 'sys', devPath);
    write(join(sysDir, 'dev'), `${d.devno}\n`);
    if (d.partition !== undefined) write(join(sysDir, 'partition'), `${d.partition}\n`);
    if (d.dmUuid !== undefined) write(join(sysDir, 'dm/uuid'), `${d.dmUuid}\n`);
    mkdirSync(join(sysDir, 'slaves'), { recursive: true });
    for (const s of d.slaves ?? []) symlinkSync(`../../${s}`, join(sysDir, 'slaves', s));
    link(join(root, 'sys/class/block', d.name), `../../${devPath}`);
    link(join(root, 'sys/dev/block', d.devno), `../../${devPath}`);
    if (d.udev !== undefined) {
      write(
        join(root, 'run/udev/data', `b${d.devno}`),
        Object.entries(d.udev)
          .map(([k, v]) => `E:${k}=${v}\n`)
          .join(''),
      );
    }
    if (d.byUuid !== undefined) link(join(root, 'dev/disk/by-uuid', d.byUuid), `../../${d.name}`);
    if (d.byPartUuid !== undefined) link(join(root, 'dev/disk/by-partuuid', d.byPartUuid), `../../${d.name}`);
  }
  for (const [path, target] of Object.entries(spec.devLinks ?? {})) link(join(root, path), target);
  write(join(root, 'proc/self/mountinfo'), spec.mountinfo);
  if (spec.uefi) mkdirSync(join(root, 'sys/firmware/efi/efivars'), { recursive: true });
  for (const [name, bytes] of Object.entries(spec.efivars ?? {})) {
    write(join(root, 'sys/firmware/efi/efivars', name), bytes);
  }
  return root;
}

/** An efivarfs string value: 4 attribute bytes, UTF-16LE text, NUL. */
export function efiString(text: string): Uint8Array {
  return Buffer.concat([Buffer.from([6, 0, 0, 0]), Buffer.from(`${text}\0`, 'utf16le')]);
}
