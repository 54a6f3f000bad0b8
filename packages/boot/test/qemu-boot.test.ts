import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { bootStatus, syncBoot } from './imports.js';
import { bootImage, buildFatImage, findDebianKernel, findQemuTools } from './qemu.js';

// A real boot: systemd-boot (Debian systemd-boot-efi) on a FAT ESP image under OVMF, with
// the entries @serpent/boot wrote for two states, and a Debian kernel that prints its
// command line on the serial console and then panics for lack of a root filesystem
// (`panic=-1` reboots at once, `-no-reboot` turns that into qemu exiting).
const tools = findQemuTools();
const kernel = typeof tools === 'string' ? tools : findDebianKernel();
const skipReason = typeof tools === 'string' ? tools : typeof kernel === 'string' ? kernel : undefined;
if (skipReason !== undefined) console.warn(`qemu boot test skipped: ${skipReason}`);

const work = tempDir('qemu');
afterAll(() => work.cleanup());

/** An image root with states 1 and 2 shipping the same Debian kernel and Debian's systemd-boot. */
function imageRoot(): {
  root: string;
  states: Array<{ id: number; usrDir: string; createdAt: Date; summary: string }>;
} {
  if (typeof tools === 'string' || typeof kernel === 'string') throw new Error('unreachable');
  const root = join(work.dir, 'root');
  const states = [1, 2].map((id) => {
    const usrDir = id === 2 ? join(root, 'usr') : join(root, '.moss/root/1/usr');
    mkdirSync(join(usrDir, 'lib/kernel', kernel.version), { recursive: true });
    mkdirSync(join(usrDir, 'lib/systemd/boot/efi'), { recursive: true });
    symlinkSync(kernel.path, join(usrDir, 'lib/kernel', kernel.version, 'vmlinuz'));
    symlinkSync(tools.systemdBoot, join(usrDir, 'lib/systemd/boot/efi/systemd-bootx64.efi'));
    writeFileSync(
      join(usrDir, 'lib/os-release'),
      'NAME="Serpent OS"\nID=serpentos\nPRETTY_NAME="Serpent OS 0.24.6"\n',
    );
    return { id, usrDir, createdAt: new Date(Date.UTC(2026, 10, 20 + id)), summary: `state ${id}` };
  });
  mkdirSync(join(root, 'etc/kernel/cmdline.d'), { recursive: true });
  writeFileSync(
    join(root, 'etc/kernel/cmdline.d/50-console.cmdline'),
    '# serial console for the test\nconsole=ttyS0 panic=-1\n',
  );
  return { root, states };
}

/** Syncs the ESP directory for `defaultId`, packs it into a FAT image and boots it. */
async function syncAndBoot(
  root: string,
  states: ReturnType<typeof imageRoot>['states'],
  defaultId: number,
  name: string,
) {
  if (typeof tools === 'string') throw new Error('unreachable');
  const esp = join(work.dir, `esp-${name}`);
  mkdirSync(esp);
  const result = await syncBoot({ root, bootDir: esp, states, keep: 1, defaultId });
  const image = join(work.dir, `${name}.img`);
  buildFatImage(tools, esp, image, 48);
  const run = await bootImage(tools, image, work.dir, 240_000);
  const cmdline = run.serial.match(/Command line: (.*)/)?.[1]?.trim();
  console.info(
    `qemu ${name}: ${run.accel} boot ${run.durationMs} ms${run.kvmAttemptMs === undefined ? '' : ` after a failed KVM attempt of ${run.kvmAttemptMs} ms`}, command line: ${cmdline}`,
  );
  return { esp, result, run, cmdline };
}

describe('booting the written entries in qemu with OVMF and systemd-boot', () => {
  it.skipIf(skipReason !== undefined)(
    `the default entry boots the newest state, and after activating the older one, that one${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
    async () => {
      const { root, states } = imageRoot();

      const newest = await syncAndBoot(root, states, 2, 'newest');
      expect(newest.result.entries.map((e) => e.stateId)).toEqual(['2', '1']);
      // Both states ship the same kernel: one copy on the ESP.
      expect(newest.result.copied).toHaveLength(1);
      const expected = bootStatus({ root, bootDir: newest.esp }).entries.find((e) => e.isDefault);
      expect(expected?.stateId).toBe('2');
      expect(
        newest.run.serial,
        `serial console (${newest.run.accel}):\n${newest.run.serial.slice(-2000)}`,
      ).toMatch(/efi: EFI v[\d.]+ by EDK II/);
      expect(newest.cmdline).toBe(expected?.options);
      expect(newest.cmdline).toBe('rw moss.fstx=2 console=ttyS0 panic=-1');

      // `moss state activate 1`: state 1 becomes the default although its id is lower.
      const rollback = await syncAndBoot(root, states, 1, 'rollback');
      expect(rollback.result.entries.map((e) => e.stateId)).toEqual(['1', '2']);
      expect(rollback.cmdline, rollback.run.serial.slice(-2000)).toBe(
        'rw moss.fstx=1 console=ttyS0 panic=-1',
      );
    },
    600_000,
  );
});
