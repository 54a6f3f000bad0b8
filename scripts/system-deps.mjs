// The Debian packages the test suite drives for real: compilers and build systems for the
// boulder e2e builds (gcc-multilib for emul32, clang for LLVM PGO, cargo and the Python build
// modules for drafts; gcc and make also build @serpent/boot's initrd helper), zstd as the
// benchmark reference, qemu + OVMF + systemd-boot + FAT tools for the boot tests, and for the
// boot-time rollback test dracut, a static busybox (the test image's userspace), sfdisk and
// mkfs.ext4 (its disk). That test downloads Debian's kernel package itself (apt-get download,
// cached in .cache/), so nothing is installed into the host's /boot. minisign checks index
// signatures both ways against the reference tool.
// Run by `npm run setup` and `npm test` before anything else.
//
// As root with apt-get (CI, a fresh machine of this kind) the missing ones are installed; any
// other machine gets one line naming what is missing, and the tests that need it skip and say so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** [Debian package, a file, a command or `sh:<test>` that proves it is installed] */
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
  // boulder's emul32 builds on the host (gcc -m32) and its PGO, python and cargo fixtures; the
  // host mode sees only /usr, so these must be Debian's (a rustup cargo in ~/.cargo is not
  // visible to the build).
  ['gcc-multilib', '/usr/lib32/crt1.o'],
  ['clang', 'clang'],
  // clang's profile runtime (libclang_rt.profile) for -fprofile-generate
  ['libclang-rt-14-dev', '/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.profile-x86_64.a'],
  ['cargo', '/usr/bin/cargo'],
  ['python3-build', '/usr/lib/python3/dist-packages/build'],
  ['python3-installer', '/usr/lib/python3/dist-packages/installer'],
  ['dracut-core', 'dracut'],
  ['kmod', 'depmod'],
  ['fdisk', 'sfdisk'],
  ['e2fsprogs', 'mkfs.ext4'],
  // Debian's plain busybox is dynamically linked; the test image has no libc.
  ['busybox-static', 'sh:test -x /bin/busybox && ! ldd /bin/busybox >/dev/null 2>&1'],
  ['minisign', 'minisign'],
];

const has = (probe) =>
  probe.startsWith('/')
    ? existsSync(probe)
    : spawnSync('sh', ['-c', probe.startsWith('sh:') ? probe.slice(3) : `command -v ${probe}`]).status === 0;
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
