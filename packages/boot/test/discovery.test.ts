import { mkdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { efiString, fakeSystemdBoot, makeSysRoot, makeUsr, tempDir } from './helpers.js';
import {
  discoverBootEnvironment,
  ESP_TYPE,
  hasCodeOf,
  LOADER_VENDOR_GUID,
  syncBoot,
  XBOOTLDR_TYPE,
} from './imports.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function tmp(prefix: string): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

const ROOT_PARTUUID = '6ca59a0c-e8c9-4ec4-b331-351d120fbb32';
const ESP_PARTUUID = '0698393a-b99a-4919-9770-64f56d1c0177';

/** nvme0n1: p1 ESP, p2 XBOOTLDR, p3 ext4 root; all known to udev. */
function gptMachine(
  root: string,
  opts: { uefi?: boolean; espMounted?: boolean; efivars?: boolean } = {},
): string {
  const esp = opts.espMounted === false ? '' : '40 30 259:1 / /efi rw,relatime - vfat /dev/nvme0n1p1 rw\n';
  return makeSysRoot(root, {
    uefi: opts.uefi ?? true,
    devices: [
      { name: 'nvme0n1', devno: '259:0' },
      {
        name: 'nvme0n1p1',
        devno: '259:1',
        disk: 'nvme0n1',
        partition: 1,
        udev: {
          ID_FS_TYPE: 'vfat',
          ID_PART_ENTRY_UUID: ESP_PARTUUID.toUpperCase(),
          ID_PART_ENTRY_TYPE: ESP_TYPE,
        },
      },
      {
        name: 'nvme0n1p2',
        devno: '259:2',
        disk: 'nvme0n1',
        partition: 2,
        udev: {
          ID_FS_TYPE: 'vfat',
          ID_PART_ENTRY_UUID: '11111111-2222-3333-4444-555555555555',
          ID_PART_ENTRY_TYPE: XBOOTLDR_TYPE,
        },
      },
      {
        name: 'nvme0n1p3',
        devno: '259:3',
        disk: 'nvme0n1',
        partition: 3,
        udev: {
          ID_FS_TYPE: 'ext4',
          ID_FS_UUID: 'aaaaaaaa-0000-0000-0000-000000000001',
          ID_PART_ENTRY_UUID: ROOT_PARTUUID,
          ID_PART_ENTRY_TYPE: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
        },
      },
    ],
    mountinfo:
      '30 1 259:3 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p3 rw\n' +
      '31 30 0:22 / /sys rw - sysfs sysfs rw\n' +
      esp +
      '41 30 259:2 / /boot rw,relatime - vfat /dev/nvme0n1p2 rw\n',
    efivars:
      opts.efivars === true
        ? {
            [`LoaderInfo-${LOADER_VENDOR_GUID}`]: efiString('systemd-boot 254'),
            [`LoaderDevicePartUUID-${LOADER_VENDOR_GUID}`]: efiString(ESP_PARTUUID.toUpperCase()),
          }
        : {},
  });
}

describe('discoverBootEnvironment against fixture sysfs trees', () => {
  it('finds the ESP and XBOOTLDR by Discoverable Partitions type and root=PARTUUID for ext4 on GPT', () => {
    const env = discoverBootEnvironment({ sysRoot: gptMachine(tmp('gpt')) });
    expect(env.firmware).toBe('uefi');
    expect(env.loaderInfo).toBeUndefined();
    expect(env.esp).toEqual({
      device: '/dev/nvme0n1p1',
      partUuid: ESP_PARTUUID,
      mountPoint: '/efi',
      foundBy: 'partition-type',
    });
    expect(env.xbootldr?.device).toBe('/dev/nvme0n1p2');
    expect(env.xbootldr?.mountPoint).toBe('/boot');
    expect(env.rootDevice).toBe('/dev/nvme0n1p3');
    expect(env.rootArguments).toEqual([`root=PARTUUID=${ROOT_PARTUUID}`]);
  });

  it('prefers the Boot Loader Interface LoaderDevicePartUUID (blsforme fixture bytes) over a type scan', () => {
    const root = gptMachine(tmp('bli'), { efivars: true });
    // A second ESP on another disk, first in name order: the type scan alone would not pick the loader's.
    makeSysRoot(root, {
      uefi: true,
      devices: [
        {
          name: 'sda1',
          devno: '8:1',
          disk: 'sda',
          partition: 1,
          udev: { ID_PART_ENTRY_TYPE: ESP_TYPE, ID_PART_ENTRY_UUID: 'b0000000-0000-0000-0000-000000000000' },
        },
      ],
      mountinfo:
        '30 1 259:3 / / rw - ext4 /dev/nvme0n1p3 rw\n40 30 259:1 / /efi rw - vfat /dev/nvme0n1p1 rw\n',
    });
    const env = discoverBootEnvironment({ sysRoot: root });
    expect(env.loaderInfo).toBe('systemd-boot 254');
    expect(env.esp?.device).toBe('/dev/nvme0n1p1');
    expect(env.esp?.foundBy).toBe('LoaderDevicePartUUID');
  });

  it('btrfs subvolume on LVM on LUKS: rd.luks.uuid, root=UUID and rootflags=subvol', () => {
    const root = makeSysRoot(tmp('luks'), {
      uefi: true,
      devices: [
        { name: 'sda', devno: '8:0' },
        { name: 'sda1', devno: '8:1', disk: 'sda', partition: 1, udev: { ID_PART_ENTRY_TYPE: ESP_TYPE } },
        {
          name: 'sda2',
          devno: '8:2',
          disk: 'sda',
          partition: 2,
          udev: { ID_FS_TYPE: 'crypto_LUKS', ID_FS_UUID: 'b6b31f26-39f4-48f7-bed5-6faaff96cca4' },
        },
        {
          name: 'dm-0',
          devno: '254:0',
          slaves: ['sda2'],
          dmUuid: 'CRYPT-LUKS2-b6b31f2639f448f7bed56faaff96cca4-luks-root',
        },
        {
          name: 'dm-1',
          devno: '254:1',
          slaves: ['dm-0'],
          dmUuid: 'LVM-abcdef',
          udev: { ID_FS_TYPE: 'btrfs', ID_FS_UUID: '2a78a4da-f110-4441-8839-dbd97ab87cda' },
        },
      ],
      // btrfs shows an anonymous device number; the source names the mapper device.
      mountinfo:
        '30 1 0:35 /@ / rw,relatime - btrfs /dev/mapper/vg-root rw,ssd,space_cache=v2,subvolid=256,subvol=/@\n',
      devLinks: { 'dev/mapper/vg-root': '../dm-1' },
    });
    const env = discoverBootEnvironment({ sysRoot: root });
    expect(env.rootDevice).toBe('/dev/dm-1');
    expect(env.rootArguments).toEqual([
      'rd.luks.uuid=b6b31f26-39f4-48f7-bed5-6faaff96cca4',
      'root=UUID=2a78a4da-f110-4441-8839-dbd97ab87cda',
      'rootflags=subvol=/@',
    ]);
    expect(env.esp?.mountPoint).toBeUndefined();
  });

  it('falls back to /dev/disk/by-uuid without udev data, and root=UUID off GPT', () => {
    const root = makeSysRoot(tmp('byuuid'), {
      uefi: false,
      devices: [
        { name: 'vda', devno: '252:0' },
        {
          name: 'vda1',
          devno: '252:1',
          disk: 'vda',
          partition: 1,
          byUuid: '0f0e0d0c-0000-4000-8000-000000000001',
        },
      ],
      mountinfo: '30 1 252:1 / / rw - ext4 /dev/vda1 rw\n',
    });
    const env = discoverBootEnvironment({ sysRoot: root });
    expect(env.firmware).toBe('bios');
    expect(env.rootArguments).toEqual(['root=UUID=0f0e0d0c-0000-4000-8000-000000000001']);
    expect(env.esp).toBeUndefined();
  });

  it('reports no root arguments when nothing identifies the root device', () => {
    const root = makeSysRoot(tmp('anon'), {
      uefi: true,
      devices: [{ name: 'vda', devno: '252:0' }],
      mountinfo: '30 1 0:40 / / rw - overlay overlay rw\n',
    });
    expect(discoverBootEnvironment({ sysRoot: root }).rootArguments).toBeUndefined();
  });
});

describe('syncBoot on the running system (fixture sysRoot)', () => {
  function states(base: string) {
    const usrDir = makeUsr(`${base}/usr`, {
      kernels: [{ version: '6.12.1-1', image: 'k' }],
      systemdBoot: fakeSystemdBoot('257.1'),
    });
    return [{ id: 3, usrDir, createdAt: 1_000 }];
  }

  it('BIOS firmware gives a clear skip, not a crash, and writes nothing', async () => {
    const base = tmp('bios');
    const sysRoot = gptMachine(`${base}/sys`, { uefi: false });
    const result = await syncBoot({ root: '/', sysRoot, states: states(base) });
    expect(result.status).toBe('skipped');
    expect(result.reason).toMatch(/^BIOS firmware/);
    expect(result.entries).toEqual([]);
  });

  it('writes kernels and entries to the mounted XBOOTLDR and the boot loader to the ESP', async () => {
    const base = tmp('native');
    const sysRoot = gptMachine(`${base}/sys`);
    mkdirSync(`${sysRoot}/efi`);
    mkdirSync(`${sysRoot}/boot`);
    const result = await syncBoot({ root: '/', sysRoot, states: states(base) });
    expect(result.status).toBe('synced');
    expect(result.espDir).toBe(`${sysRoot}/efi`);
    expect(result.bootRoot).toBe(`${sysRoot}/boot`);
    expect(result.entries.map((e) => e.path)).toEqual([
      `${sysRoot}/boot/loader/entries/serpentos-3-6.12.1-1.conf`,
    ]);
    const text = readFileSync(result.entries[0]!.path, 'utf8');
    expect(text).toContain(`\noptions root=PARTUUID=${ROOT_PARTUUID} rw moss.fstx=3`);
    expect(result.copied.every((p) => p.startsWith(`${sysRoot}/boot/serpentos/`))).toBe(true);
    expect(result.bootloader.map((b) => [b.path, b.action])).toEqual([
      [`${sysRoot}/efi/EFI/systemd/systemd-bootx64.efi`, 'installed'],
      [`${sysRoot}/efi/EFI/BOOT/BOOTX64.EFI`, 'installed'],
    ]);
  });

  it('an unmounted ESP is a typed error naming the device', async () => {
    const base = tmp('unmounted');
    const sysRoot = makeSysRoot(`${base}/sys`, {
      uefi: true,
      devices: [
        { name: 'sda', devno: '8:0' },
        { name: 'sda1', devno: '8:1', disk: 'sda', partition: 1, udev: { ID_PART_ENTRY_TYPE: ESP_TYPE } },
        { name: 'sda2', devno: '8:2', disk: 'sda', partition: 2, udev: { ID_FS_UUID: 'u-1' } },
      ],
      mountinfo: '30 1 8:2 / / rw - ext4 /dev/sda2 rw\n',
    });
    const error = await syncBoot({ root: '/', sysRoot, states: states(base) }).catch((e: unknown) => e);
    expect(hasCodeOf(error, 'BOOT_ESP_NOT_MOUNTED')).toBe(true);
    expect((error as Error).message).toContain('/dev/sda1');
  });

  it('UEFI without any ESP is BOOT_NO_ESP', async () => {
    const base = tmp('noesp');
    const sysRoot = makeSysRoot(`${base}/sys`, {
      uefi: true,
      devices: [{ name: 'sda1', devno: '8:1', disk: 'sda', partition: 1, udev: { ID_FS_UUID: 'u-2' } }],
      mountinfo: '30 1 8:1 / / rw - ext4 /dev/sda1 rw\n',
    });
    const error = await syncBoot({ root: '/', sysRoot, states: states(base) }).catch((e: unknown) => e);
    expect(hasCodeOf(error, 'BOOT_NO_ESP')).toBe(true);
  });
});
