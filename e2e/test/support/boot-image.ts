import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

// Everything the boot-time rollback test needs to boot a moss root for real: Debian's kernel,
// an initrd made by dracut with our module, a GPT disk with an ESP and an ext4 root, and qemu
// under OVMF driven through its serial console (the systemd-boot menu included).

/** The Debian packages behind the tools below (scripts/system-deps.mjs installs them). */
export const BOOT_TEST_PACKAGES =
  'qemu-system-x86 ovmf systemd-boot-efi mtools dosfstools dracut-core busybox-static fdisk e2fsprogs kmod';

export interface BootTools {
  readonly qemu: string;
  readonly firmware: { readonly code: string; readonly vars: string };
  readonly systemdBoot: string;
  readonly mkfsVfat: string;
  readonly mcopy: string;
  readonly mkfsExt4: string;
  readonly sfdisk: string;
  readonly dracut: string;
  readonly depmod: string;
  /** A statically linked busybox: the image's whole userspace. */
  readonly busybox: string;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin'])) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

/** Whether an ELF file has no program interpreter, i.e. runs without a dynamic loader. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false;
    const phoff = Number(h.readBigUInt64LE(0x20));
    const phentsize = h.readUInt16LE(0x36);
    const ph = Buffer.alloc(phentsize * h.readUInt16LE(0x38));
    readSync(fd, ph, 0, ph.length, phoff);
    for (let o = 0; o < ph.length; o += phentsize) if (ph.readUInt32LE(o) === 3) return false; // PT_INTERP
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The tools, or the reason the test cannot run and what to install. */
export function findBootTools(): BootTools | string {
  const found = {
    qemu: which('qemu-system-x86_64'),
    mkfsVfat: which('mkfs.vfat'),
    mcopy: which('mcopy'),
    mkfsExt4: which('mkfs.ext4'),
    sfdisk: which('sfdisk'),
    dracut: which('dracut'),
    depmod: which('depmod'),
    busybox: ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p) && isStaticElf(p)),
    systemdBoot: ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi'].find((p) => existsSync(p)),
  };
  const pair = (
    [
      ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
      ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
      ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
    ] as const
  ).find(([c, v]) => existsSync(c) && existsSync(v));
  const missing = Object.entries(found)
    .filter(([, v]) => v === undefined)
    .map(([k]) => (k === 'busybox' ? 'a static busybox' : k));
  if (pair === undefined) missing.push('OVMF firmware');
  if (missing.length > 0)
    return `missing ${missing.join(', ')}; install with: apt-get install -y ${BOOT_TEST_PACKAGES}`;
  if (which('apt-get') === undefined || which('dpkg-deb') === undefined)
    return 'no apt-get/dpkg-deb to fetch the Debian kernel package';
  if (process.getuid?.() !== 0) return 'mounting the image root to run moss on it needs root';
  return { ...(found as Omit<BootTools, 'firmware'>), firmware: { code: pair![0], vars: pair![1] } };
}

export interface DebianKernel {
  readonly version: string;
  readonly vmlinuz: string;
  /** `<dir>/lib/modules/<version>`, holding only the modules the test's initrd needs. */
  readonly moduleDir: string;
}

// The kernel modules a q35 guest needs to mount an ext4 root on virtio-blk (Debian builds them
// all as modules), with their dependencies.
const MODULES = [
  'drivers/block/virtio_blk',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio_pci',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci_modern_dev',
  'fs/ext4/ext4',
  'fs/jbd2/jbd2',
  'fs/mbcache',
  'lib/crc16',
  'lib/libcrc32c',
  'crypto/crc32c_generic',
];
export const INITRD_DRIVERS = 'virtio_pci virtio_blk ext4 crc32c_generic';

/**
 * Debian's kernel (the package linux-image-amd64 depends on), downloaded with apt-get into the
 * cache once and unpacked there with only the modules above (≈ 3 s instead of the whole
 * 400 MB tree). Returns the reason when it cannot.
 */
export function debianKernel(cache: string): DebianKernel | string {
  let pkg: string | undefined;
  try {
    pkg = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' }).match(
      /Depends: (linux-image-\d\S*)/,
    )?.[1];
  } catch {}
  if (pkg === undefined) return 'apt-cache knows no linux-image-amd64 dependency; run apt-get update';
  // The tree is named after the package and the list of what is unpacked, so a longer list
  // unpacks again (from the kept .deb).
  const subset = createHash('sha256').update(MODULES.join(' ')).digest('hex').slice(0, 8);
  const dir = join(cache, `${pkg}+${subset}`);
  if (!existsSync(join(dir, 'ready'))) {
    mkdirSync(cache, { recursive: true });
    let deb = readdirSync(cache).find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
    if (deb === undefined) {
      try {
        execFileSync('apt-get', ['download', pkg], { cwd: cache, stdio: 'pipe', timeout: 900_000 });
      } catch (error) {
        return `apt-get download ${pkg} failed: ${(error as Error).message.split('\n')[0]}`;
      }
      deb = readdirSync(cache).find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
      if (deb === undefined) return `apt-get download ${pkg} produced no .deb`;
    }
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    const patterns = [
      '*/boot/vmlinuz-*',
      '*/modules/*/modules.order',
      '*/modules/*/modules.builtin',
      '*/modules/*/modules.builtin.modinfo',
      ...MODULES.map((m) => `*/modules/*/kernel/${m}.ko*`),
    ];
    const unpack =
      'deb=$1; dir=$2; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards -C "$dir" "$@"';
    try {
      execFileSync('sh', ['-c', unpack, 'sh', join(cache, deb), tmp, ...patterns], { stdio: 'pipe' });
    } catch (error) {
      // A download cut short stays behind under its final name; the next run fetches it again.
      rmSync(join(cache, deb), { force: true });
      throw new Error(
        `unpacking ${deb} failed, so it was deleted from ${cache}: ${(error as Error).message}`,
      );
    }
    const found = kernelIn(tmp);
    if (typeof found === 'string') return found;
    execFileSync('depmod', ['-b', join(found.moduleDir, '..', '..', '..'), found.version], { stdio: 'pipe' });
    execFileSync('touch', [join(tmp, 'ready')]);
    renameSync(tmp, dir);
    // An older kernel's package and tree are not used again.
    for (const name of readdirSync(cache))
      if (name.startsWith('linux-image-') && join(cache, name) !== dir && name !== deb)
        rmSync(join(cache, name), { recursive: true, force: true });
  }
  return kernelIn(dir);
}

function kernelIn(dir: string): DebianKernel | string {
  const image = readdirSync(join(dir, 'boot')).find((n) => n.startsWith('vmlinuz-'));
  if (image === undefined) return `the kernel package unpacked in ${dir} has no boot/vmlinuz-*`;
  const version = image.slice('vmlinuz-'.length);
  const moduleDir = ['usr/lib/modules', 'lib/modules']
    .map((p) => join(dir, p, version))
    .find((p) => existsSync(p));
  if (moduleDir === undefined) return `the kernel package unpacked in ${dir} has no modules for ${version}`;
  return { version, vmlinuz: join(dir, 'boot', image), moduleDir };
}

/** The dracut modules of a small systemd initrd that mounts a root from the command line. */
export const DRACUT_MODULES =
  'systemd systemd-initrd dracut-systemd base fs-lib kernel-modules rootfs-block udev-rules moss';

/**
 * An initrd made by dracut with our module `90moss` and the helper it installs, the way a
 * distribution's dracut would find them under modules.d (here a private dracut base directory:
 * the host's modules plus ours, through `dracutbasedir`), with only the modules and drivers the
 * test's guest needs. Cached by the content of everything that goes in.
 */
export function dracutInitrd(
  kernel: DebianKernel,
  cache: string,
  workDir: string,
  helper: string,
  moduleDir: string,
): { path: string; cached: boolean; ms: number } {
  const hostBase = '/usr/lib/dracut';
  const args = [
    '--no-hostonly',
    '--no-hostonly-cmdline',
    '--no-early-microcode',
    '--kver',
    kernel.version,
    '--kmoddir',
    kernel.moduleDir,
    '--modules',
    DRACUT_MODULES,
    '--drivers',
    INITRD_DRIVERS,
    '--compress',
    'zstd',
  ];
  const key = createHash('sha256');
  // `dracut --version` prints its version and exits with 1.
  key.update(spawnSync('dracut', ['--version'], { encoding: 'utf8' }).stdout);
  key.update(`${args.join(' ')}\0${kernel.version}\0`);
  key.update(readFileSync(helper));
  for (const name of readdirSync(moduleDir).sort())
    key.update(`${name}\0`).update(readFileSync(join(moduleDir, name)));
  const path = join(cache, `initrd-${key.digest('hex').slice(0, 16)}.img`);
  if (existsSync(path)) return { path, cached: true, ms: 0 };

  const base = join(workDir, 'dracut-base');
  mkdirSync(join(base, 'modules.d'), { recursive: true });
  for (const name of readdirSync(hostBase))
    if (name !== 'modules.d') symlinkSync(join(hostBase, name), join(base, name));
  for (const name of readdirSync(join(hostBase, 'modules.d')))
    if (name !== '90moss') symlinkSync(join(hostBase, 'modules.d', name), join(base, 'modules.d', name));
  symlinkSync(moduleDir, join(base, 'modules.d', '90moss'));
  const started = performance.now();
  const tmp = `${path}.tmp`;
  const r = spawnSync('dracut', [...args, '--tmpdir', workDir, '--force', tmp], {
    env: { ...process.env, dracutbasedir: base, MOSS_FSTX: helper },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`dracut failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  renameSync(tmp, path);
  // Only the newest initrd is worth keeping (11 MB each, one per helper or module change).
  for (const name of readdirSync(cache))
    if (name.startsWith('initrd-') && join(cache, name) !== path) rmSync(join(cache, name), { force: true });
  return { path, cached: false, ms: Math.round(performance.now() - started) };
}

export interface DiskLayout {
  readonly path: string;
  readonly espOffset: number;
  readonly espBytes: number;
  readonly rootOffset: number;
  readonly rootBytes: number;
}

const MiB = 1024 * 1024;
/** The root partition's GPT UUID, named by the boot entries' `root=PARTUUID=`. */
export const ROOT_PARTUUID = '8f3a4c2e-5b1d-4e6f-9a7c-0d2e4b6f8a1c';

/**
 * A GPT disk: partition 1 the ESP (FAT32 made from `espDir`), partition 2 an ext4 root made
 * from `rootDir` by mkfs.ext4 -d (hard links kept, nothing mounted).
 */
export function makeDisk(
  tools: BootTools,
  espDir: string,
  rootDir: string,
  path: string,
  rootMiB: number,
): DiskLayout {
  const disk: DiskLayout = {
    path,
    espOffset: MiB,
    espBytes: 48 * MiB,
    rootOffset: 49 * MiB,
    rootBytes: rootMiB * MiB,
  };
  execFileSync('truncate', ['-s', String(disk.rootOffset + disk.rootBytes + MiB), path]);
  const sectors = (bytes: number) => bytes / 512;
  const table = [
    'label: gpt',
    `start=${sectors(disk.espOffset)}, size=${sectors(disk.espBytes)}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp`,
    `start=${sectors(disk.rootOffset)}, size=${sectors(disk.rootBytes)}, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=${ROOT_PARTUUID}, name=root`,
  ].join('\n');
  execFileSync(tools.sfdisk, ['--quiet', path], { input: `${table}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  writeEsp(tools, espDir, disk);
  const image = `${path}.root`;
  execFileSync(tools.mkfsExt4, ['-q', '-F', '-L', 'root', '-d', rootDir, image, `${rootMiB}M`], {
    stdio: 'pipe',
  });
  copyInto(image, disk, disk.rootOffset);
  rmSync(image);
  return disk;
}

/** Rebuilds the ESP partition from `espDir` (after moss re-synced the boot entries there). */
export function writeEsp(tools: BootTools, espDir: string, disk: DiskLayout): void {
  const image = `${disk.path}.esp`;
  rmSync(image, { force: true });
  execFileSync(tools.mkfsVfat, ['-C', '-F', '32', '-n', 'ESP', image, String(disk.espBytes / 1024)], {
    stdio: 'pipe',
  });
  const top = readdirSync(espDir).map((n) => join(espDir, n));
  execFileSync(tools.mcopy, ['-s', '-Q', '-i', image, ...top, '::/'], { stdio: 'pipe' });
  copyInto(image, disk, disk.espOffset);
  rmSync(image);
}

/** Writes a partition's image into the disk, every byte (no `sparse`: old data would survive). */
function copyInto(image: string, disk: DiskLayout, offset: number): void {
  execFileSync('dd', [`if=${image}`, `of=${disk.path}`, 'bs=1M', `seek=${offset / MiB}`, 'conv=notrunc'], {
    stdio: 'pipe',
  });
}

/** Runs `fn` with the disk's root partition mounted (a loop device at its offset). */
export async function withMountedRoot<T>(
  disk: DiskLayout,
  mountPoint: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount', [
    '-o',
    `loop,offset=${disk.rootOffset},sizelimit=${disk.rootBytes}`,
    disk.path,
    mountPoint,
  ]);
  try {
    return await fn();
  } finally {
    execFileSync('umount', [mountPoint]);
  }
}

export interface BootRun {
  /** The serial console, escape sequences removed. */
  readonly serial: string;
  readonly accel: 'kvm' | 'tcg';
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly ms: number;
  /** Whether the boot menu showed and the keys were typed. */
  readonly menuSeen: boolean;
  /** Milliseconds from the start until the menu showed, the kernel's first line, and the last output. */
  readonly marks: { readonly menu?: number; readonly kernel?: number; readonly last?: number };
  /** Firmware runs abandoned because the menu never showed (see bootFromMenu). */
  readonly retries: number;
}

export interface BootOptions {
  /** Whether the serial console so far shows the whole menu. */
  readonly menuShown: (serial: string) => boolean;
  /** QMP key names typed one by one once it does, e.g. `['2', 'ret']`. */
  readonly keys: readonly string[];
  readonly timeoutMs: number;
}

const MENU_TIMEOUT_MS = 60_000;

/** Whether KVM worked in this process (nested KVM can fail with an internal error). */
let kvmWorks: boolean | undefined;

/**
 * Boots the disk under OVMF. The serial console goes to a file (the firmware mirrors its
 * console there, so systemd-boot's menu is read from it); the menu waits for a key
 * (`timeout menu-force`), and the keys are typed on the guest's PS/2 keyboard through QMP
 * `send-key`, as a user would press them.
 *
 * Why not type on the serial line: with the serial port on qemu's stdio or on a socket (a
 * backend qemu also reads from), 1 of 12 and 2 of 20 firmware runs stopped printing right
 * after systemd-boot cleared the screen, for good; with output to a file, 0 of 20, and with
 * keys through QMP too, 0 of 25 (qemu 7.2, TCG, OVMF 2022.11, systemd-boot 252). A run whose
 * menu does not show within 60 s (it shows within 4-22 s) is still abandoned and started
 * again, once, and reported, so such a stall costs a minute instead of the test.
 */
export async function bootFromMenu(
  tools: BootTools,
  disk: DiskLayout,
  workDir: string,
  options: BootOptions,
): Promise<BootRun> {
  let retries = 0;
  for (;;) {
    const run = await bootOnce(tools, disk, workDir, options);
    if (run.menuSeen || !run.menuTimedOut || retries === 1) return { ...run, retries };
    retries++;
  }
}

async function bootOnce(
  tools: BootTools,
  disk: DiskLayout,
  workDir: string,
  options: BootOptions,
): Promise<Omit<BootRun, 'retries'> & { menuTimedOut: boolean }> {
  if (kvmWorks === undefined) {
    try {
      accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
      kvmWorks = true;
    } catch {
      kvmWorks = false;
    }
  }
  if (kvmWorks) {
    const run = await runQemu(tools, disk, workDir, 'kvm', options);
    if (!run.kvmFailed) return run;
    kvmWorks = false;
  }
  return runQemu(tools, disk, workDir, 'tcg', options);
}

const stripEscapes = (text: string) => text.replace(/\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g, '');

async function runQemu(
  tools: BootTools,
  disk: DiskLayout,
  workDir: string,
  accel: 'kvm' | 'tcg',
  options: BootOptions,
): Promise<Omit<BootRun, 'retries'> & { kvmFailed: boolean; menuTimedOut: boolean }> {
  const vars = join(workDir, `vars-${accel}.fd`);
  const serialPath = join(workDir, `serial-${accel}.raw`);
  const qmpPath = join(workDir, `qmp-${accel}.sock`);
  copyFileSync(tools.firmware.vars, vars);
  rmSync(serialPath, { force: true });
  rmSync(qmpPath, { force: true });
  const args = [
    '-machine',
    `q35,accel=${accel}`,
    '-m',
    '512',
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-monitor',
    'none',
    '-serial',
    `file:${serialPath}`,
    '-qmp',
    `unix:${qmpPath},server=on,wait=off`,
    '-drive',
    `if=pflash,format=raw,unit=0,readonly=on,file=${tools.firmware.code}`,
    '-drive',
    `if=pflash,format=raw,unit=1,file=${vars}`,
    '-drive',
    `format=raw,file=${disk.path},if=virtio`,
  ];
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const child = spawn(tools.qemu, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let kvmFailed = false;
  child.stderr.on('data', (chunk: Buffer) => {
    // "KVM internal error" (nested virtualisation) and then a hang: stop at once, TCG follows.
    if (chunk.toString('latin1').includes('KVM internal error')) {
      kvmFailed = true;
      child.kill('SIGKILL');
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const marks: { menu?: number; kernel?: number; last?: number } = {};
  let raw = '';
  let menuSeen = false;
  let menuTimedOut = false;
  let timedOut = false;
  let qmp: Qmp | undefined;
  try {
    while (exitCode === undefined) {
      await new Promise((r) => setTimeout(r, 200));
      const now = existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : '';
      if (now.length !== raw.length) marks.last = since();
      raw = now;
      if (marks.kernel === undefined && raw.includes('Linux version')) marks.kernel = since();
      if (!menuSeen && options.menuShown(stripEscapes(raw))) {
        menuSeen = true;
        marks.menu = since();
        qmp ??= await connectQmp(qmpPath);
        for (const key of options.keys) {
          await new Promise((r) => setTimeout(r, 500));
          await qmp.sendKey(key);
        }
      }
      if (!menuSeen && since() > MENU_TIMEOUT_MS) {
        menuTimedOut = true;
        child.kill('SIGKILL');
      }
      if (since() > options.timeoutMs) {
        timedOut = true;
        child.kill('SIGKILL');
      }
    }
  } finally {
    qmp?.close();
    if (exitCode === undefined) child.kill('SIGKILL');
    await exited;
  }
  raw = existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : raw;
  return {
    serial: stripEscapes(raw),
    accel,
    exitCode: exitCode ?? null,
    timedOut,
    ms: since(),
    menuSeen,
    marks,
    kvmFailed,
    menuTimedOut,
  };
}

interface Qmp {
  /** `send-key` of one key (a QMP key name: `2`, `ret`, `down`, ...), pressed and released. */
  sendKey(key: string): Promise<void>;
  close(): void;
}

/** A QMP connection (qemu's JSON machine protocol): the greeting, capabilities, then commands. */
async function connectQmp(path: string): Promise<Qmp> {
  const socket = connect(path);
  const replies: Array<(reply: { error?: { desc: string } }) => void> = [];
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    buffer += text;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const message = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      // The greeting and asynchronous events answer no command.
      if ('return' in message || 'error' in message) replies.shift()?.(message);
    }
  });
  const command = (execute: string, args?: object) =>
    new Promise<void>((resolve, reject) => {
      replies.push((reply) =>
        reply.error ? reject(new Error(`QMP ${execute}: ${reply.error.desc}`)) : resolve(),
      );
      socket.write(`${JSON.stringify({ execute, ...(args ? { arguments: args } : {}) })}\n`);
    });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await command('qmp_capabilities');
  return {
    sendKey: (key) => command('send-key', { keys: [{ type: 'qcode', data: key }] }),
    close: () => socket.destroy(),
  };
}
