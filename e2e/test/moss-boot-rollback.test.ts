import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BootRun,
  type BootTools,
  bootFromMenu,
  type DebianKernel,
  type DiskLayout,
  debianKernel,
  dracutInitrd,
  findBootTools,
  makeDisk,
  ROOT_PARTUUID,
  withMountedRoot,
  writeEsp,
} from './support/boot-image.js';
import { DRACUT_MODULE, MOSS_BUILT, MOSS_FSTX, moss, REPO } from './support/paths.js';
import { makeStone } from './support/stones.js';

// Rollback from the boot menu, for real. A GPT disk with an ESP and an ext4 root made by our
// moss with two states; the userspace is a static busybox whose init prints /usr/.stateID and
// powers off. Debian's kernel, and an initrd made by dracut with our module 90moss (and its
// helper moss-fstx). qemu boots it under OVMF (TCG on a machine without working KVM); the
// systemd-boot menu is read on the serial console and answered on the keyboard. The state
// picked in the menu must be the /usr that init sees, and moss, run on the image's root from
// the host, must agree.
// Debian's kernel package and the initrd are cached in .cache/boot-rollback (gitignored);
// KEEP_BOOT_TEST=1 keeps the disk, the ESP directory and each boot's serial log.
const CACHE = join(REPO, '.cache', 'boot-rollback');
const found = findBootTools();
const skip = !MOSS_BUILT
  ? 'tools/moss is not built'
  : !existsSync(MOSS_FSTX)
    ? 'moss-fstx is not built (the @serpent/boot build needs make and a C compiler)'
    : typeof found === 'string'
      ? found
      : undefined;
const kernelOrReason: DebianKernel | string = skip ?? debianKernel(CACHE);
const skipReason = skip ?? (typeof kernelOrReason === 'string' ? kernelOrReason : undefined);
if (skipReason) console.warn(`boot-time rollback test skipped: ${skipReason}`);

const work = mkdtempSync(join(tmpdir(), 'moss-boot-rollback-'));
afterAll(() => {
  if (process.env.KEEP_BOOT_TEST !== '1') rmSync(work, { recursive: true, force: true });
});
const root = join(work, 'root');
const esp = join(work, 'esp');
const mnt = join(work, 'mnt');
let tools: BootTools;
let disk: DiskLayout;
let later = '';
const timings: string[] = [];

const INIT = `#!/usr/bin/busybox sh
# PID 1 of the boot test's image: say which state's /usr is live, then power off.
exec >/dev/console 2>&1
echo "moss-boot-test: /usr/.stateID is $(/usr/bin/busybox cat /usr/.stateID)"
/usr/bin/busybox mount -o remount,ro /
/usr/bin/busybox sync
/usr/bin/busybox poweroff -f
`;

beforeAll(async () => {
  if (skipReason) return;
  tools = found as BootTools;
  const kernel = kernelOrReason as DebianKernel;
  const initrd = dracutInitrd(kernel, CACHE, work, MOSS_FSTX, DRACUT_MODULE);
  timings.push(initrd.cached ? 'initrd from the cache' : `dracut ${initrd.ms} ms`);

  const stones = join(work, 'stones');
  mkdirSync(stones);
  const base = await makeStone(stones, {
    name: 'os-base',
    files: {
      'lib/os-release': 'NAME="Serpent OS"\nID="serpentos"\nPRETTY_NAME="Serpent OS (boot test)"\n',
      'bin/busybox': { path: tools.busybox, mode: 0o755 },
      'bin/moss-boot-test-init': { content: INIT, mode: 0o755 },
    },
  });
  const linux = await makeStone(stones, {
    name: 'linux',
    version: kernel.version.replace(/-/g, '.'),
    files: {
      [`lib/kernel/${kernel.version}/vmlinuz`]: { path: kernel.vmlinuz, mode: 0o644 },
      [`lib/kernel/${kernel.version}/50-dracut.initrd`]: { path: initrd.path, mode: 0o644 },
    },
  });
  const loader = await makeStone(stones, {
    name: 'systemd-boot',
    files: { 'lib/systemd/boot/efi/systemd-bootx64.efi': { path: tools.systemdBoot, mode: 0o644 } },
  });
  const extra = await makeStone(stones, { name: 'extra', files: { 'share/extra/data': 'extra\n' } });
  later = await makeStone(stones, { name: 'later', files: { 'share/later/data': 'later\n' } });

  // What the distribution's /etc holds: the root partition, the console, the test's init.
  mkdirSync(join(root, 'etc/kernel/cmdline.d'), { recursive: true });
  writeFileSync(
    join(root, 'etc/kernel/cmdline.d/50-boot-test.cmdline'),
    `root=PARTUUID=${ROOT_PARTUUID} console=ttyS0 init=/usr/bin/moss-boot-test-init panic=-1 rd.shell=0 rd.emergency=poweroff\n`,
  );
  for (const d of ['dev', 'proc', 'sys', 'run', 'tmp']) mkdirSync(join(root, d));
  mkdirSync(esp);
  const m = (...args: string[]) => {
    const r = moss(['-D', root, ...args]);
    expect(r.status, `moss ${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  m('install', base, linux, loader, '-y');
  m('boot', 'sync', '--boot-dir', esp);
  m('install', extra, '-y');
  // The menu waits for a key, which the test types.
  mkdirSync(join(esp, 'loader'), { recursive: true });
  writeFileSync(join(esp, 'loader/loader.conf'), 'timeout menu-force\n');
  disk = makeDisk(tools, esp, root, join(work, 'disk.img'), 160);
}, 900_000);

afterAll(() => {
  if (timings.length > 0) console.info(`boot-time rollback: ${timings.join('; ')}`);
});

interface Entry {
  stateId?: string;
  isDefault: boolean;
  title?: string;
}
/** The boot entries in systemd-boot's menu order, as moss reads them from the ESP directory. */
function menu(rootDir: string): Entry[] {
  const r = moss(['-D', rootDir, 'boot', 'status', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { entries: Entry[] }).entries;
}

/** Boots the disk, picking the menu entry of `stateId` (Enter alone for the default). */
async function bootState(name: string, entries: Entry[], stateId: string | 'default'): Promise<BootRun> {
  const index = stateId === 'default' ? -1 : entries.findIndex((e) => e.stateId === stateId);
  if (stateId !== 'default') expect(index, `no menu entry for state ${stateId}`).toBeGreaterThanOrEqual(0);
  // The menu is up once every entry's state appears in it.
  const states = entries.map((e) => `state ${e.stateId}`);
  const run = await bootFromMenu(tools, disk, work, {
    menuShown: (serial) => states.every((s) => serial.includes(s)),
    // systemd-boot: a digit highlights that entry, Enter boots the highlighted one.
    keys: index < 0 ? ['ret'] : [String(index + 1), 'ret'],
    timeoutMs: 300_000,
  });
  timings.push(
    `${name}: ${run.accel} ${run.ms} ms (menu at ${run.marks.menu}, kernel at ${run.marks.kernel}, last output at ${run.marks.last}${run.retries > 0 ? `; after ${run.retries} firmware run without a menu` : ''})`,
  );
  writeFileSync(join(work, `serial-${name}.log`), run.serial);
  const tail = `serial console of "${name}" (${run.accel}, ${run.ms} ms):\n${run.serial.slice(-4000)}`;
  expect(run.menuSeen, tail).toBe(true);
  expect(run.timedOut, tail).toBe(false);
  return run;
}

const bootedState = (run: BootRun) => run.serial.match(/moss-boot-test: \/usr\/\.stateID is (\d+)/)?.[1];

/** moss on the image's root (mounted from the disk) agrees that `live` is the state. */
function expectMossAgrees(rootDir: string, live: number, other: number, firstRun: string): void {
  expect(firstRun).toContain(
    `State ${live} was picked in the boot menu and is active (it replaced state ${other})`,
  );
  expect(existsSync(join(rootDir, '.moss/journal.json'))).toBe(false);
  expect(existsSync(join(rootDir, '.moss/boot-activation.json'))).toBe(false);
  const states = JSON.parse(moss(['-D', rootDir, 'state', 'list', '--json']).stdout) as {
    id: number;
    active: boolean;
  }[];
  expect(states.map((s) => [s.id, s.active])).toEqual([
    [2, live === 2],
    [1, live === 1],
  ]);
  const entries = menu(rootDir);
  expect(entries[0]).toMatchObject({ stateId: String(live), isDefault: true });
  expect(readFileSync(join(rootDir, 'usr/.stateID'), 'utf8').trim()).toBe(String(live));
  expect(readFileSync(join(rootDir, '.moss/root', String(other), 'usr/.stateID'), 'utf8').trim()).toBe(
    String(other),
  );
  expect(existsSync(join(rootDir, '.moss/root', String(live)))).toBe(false);
  const v = moss(['-D', rootDir, 'state', 'verify']);
  expect(v.stdout, v.stderr).toContain('No issues found');
}

describe.skipIf(skipReason !== undefined)(
  'rollback from the boot menu (qemu, OVMF, systemd-boot, dracut)',
  () => {
    it('boots the state picked in the menu, and moss agrees afterwards', async () => {
      const entries = menu(root);
      expect(entries.map((e) => [e.stateId, e.isDefault])).toEqual([
        ['2', true],
        ['1', false],
      ]);

      // The default entry: the newest state, already live; the helper has nothing to do.
      const first = await bootState('default', entries, 'default');
      expect(bootedState(first), first.serial.slice(-3000)).toBe('2');
      expect(first.serial).toContain('moss-fstx: state 2 is already active');

      // The older state's entry: the initrd makes state 1 the root's /usr before the switch.
      const older = await bootState('older', entries, '1');
      expect(older.serial).toContain('moss-fstx: activating state 1 (state 2 was live)');
      expect(bootedState(older), older.serial.slice(-3000)).toBe('1');

      // moss on the image's root: state 1 is active and the boot menu's default now.
      await withMountedRoot(disk, mnt, () => {
        const r = moss(['-D', mnt, 'state', 'active']);
        expect(r.status, r.stderr).toBe(0);
        expectMossAgrees(mnt, 1, 2, r.stderr);
      });
      writeEsp(tools, esp, disk);
      const reranked = menu(root);
      expect(reranked.map((e) => [e.stateId, e.isDefault])).toEqual([
        ['1', true],
        ['2', false],
      ]);

      // The newest state's entry, now the second one: state 2 is back.
      const newest = await bootState('newest', reranked, '2');
      expect(newest.serial).toContain('moss-fstx: activating state 2 (state 1 was live)');
      expect(bootedState(newest), newest.serial.slice(-3000)).toBe('2');

      await withMountedRoot(disk, mnt, () => {
        const r = moss(['-D', mnt, 'state', 'list']);
        expect(r.status, r.stderr).toBe(0);
        expectMossAgrees(mnt, 2, 1, r.stderr);
        // A later transaction starts from the state picked at boot, whose predecessor's tree
        // the initrd archived where moss expects it.
        const tx = moss(['-D', mnt, 'install', later, '-y']);
        expect(tx.status, tx.stderr).toBe(0);
        expect(readFileSync(join(mnt, 'usr/.stateID'), 'utf8').trim()).toBe('3');
        expect(existsSync(join(mnt, 'usr/share/extra/data'))).toBe(true);
        expect(existsSync(join(mnt, 'usr/share/later/data'))).toBe(true);
        expect(readFileSync(join(mnt, '.moss/root/2/usr/.stateID'), 'utf8').trim()).toBe('2');
        expect(readFileSync(join(mnt, '.moss/root/1/usr/.stateID'), 'utf8').trim()).toBe('1');
        expect(menu(mnt)[0]).toMatchObject({ stateId: '3', isDefault: true });
      });
    }, 1_200_000);
  },
);
