// The Debian packages the test suite drives for real: compilers and build systems for the
// boulder e2e builds, zstd as the benchmark reference, qemu + OVMF + systemd-boot + FAT tools
// for the boot test. Run by `npm run setup` and `npm test` before anything else.
//
// As root with apt-get (CI, a fresh machine of this kind) the missing ones are installed; any
// other machine gets one line naming what is missing, and the tests that need it skip and say so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** [Debian package, a file or command that proves it is installed] */
const PACKAGES = [
  ['gcc', 'cc'],
  ['make', 'make'],
  ['cmake', 'cmake'],
  ['ninja-build', 'ninja'],
  ['meson', 'meson'],
  ['pkg-config', 'pkg-config'],
  ['zstd', 'zstd'],
  ['util-linux', 'flock'],
  ['git', 'git'],
  ['qemu-system-x86', 'qemu-system-x86_64'],
  ['ovmf', '/usr/share/OVMF/OVMF_CODE.fd'],
  ['systemd-boot-efi', '/usr/lib/systemd/boot/efi/systemd-bootx64.efi'],
  ['mtools', 'mcopy'],
  ['dosfstools', 'mkfs.vfat'],
  ['systemd', 'systemd-repart'],
  // A static shell and env for a real transaction trigger inside a test tree (e2e moss-spare-trees).
  ['busybox-static', '/bin/busybox'],
];

const has = (probe) =>
  probe.startsWith('/') ? existsSync(probe) : spawnSync('sh', ['-c', `command -v ${probe}`]).status === 0;
const missing = PACKAGES.filter(([, probe]) => !has(probe)).map(([pkg]) => pkg);
if (missing.length === 0) process.exit(0);

const canApt = process.getuid?.() === 0 && has('apt-get');
if (!canApt) {
  console.warn(
    `system-deps: missing Debian packages ${missing.join(' ')}; the tests that need them will skip ` +
      `(install them with: sudo apt-get install -y ${missing.join(' ')})`,
  );
  process.exit(0);
}
console.log(`system-deps: installing ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
  stdio: 'inherit',
  env,
});
if (update.status !== 0 || install.status !== 0) {
  console.warn('system-deps: apt-get failed; the tests that need these packages will skip and say why');
}
