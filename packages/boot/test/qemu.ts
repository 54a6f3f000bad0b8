import { execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions } from './imports.js';

/** The Debian packages the qemu boot test needs (the kernel is fetched by the test itself). */
export const DEBIAN_PACKAGES = 'qemu-system-x86 ovmf systemd-boot-efi mtools dosfstools';

export interface QemuTools {
  readonly qemu: string;
  /** OVMF code and a variable store template, or one combined image for -bios. */
  readonly firmware: { code: string; vars: string } | { bios: string };
  readonly systemdBoot: string;
  readonly mkfsVfat: string;
  readonly mcopy: string;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin'])) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

/** The tools, or the reason the test cannot run and what to install. */
export function findQemuTools(): QemuTools | string {
  const qemu = which('qemu-system-x86_64');
  const mkfsVfat = which('mkfs.vfat');
  const mcopy = which('mcopy');
  const systemdBoot = ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi'].find((p) => existsSync(p));
  const pairs = [
    ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
    ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
    ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
  ] as const;
  const pair = pairs.find(([c, v]) => existsSync(c) && existsSync(v));
  const bios = ['/usr/share/qemu/OVMF.fd', '/usr/share/ovmf/OVMF.fd'].find((p) => existsSync(p));
  const missing = [
    qemu === undefined ? 'qemu-system-x86_64 (qemu-system-x86)' : '',
    pair === undefined && bios === undefined ? 'OVMF firmware (ovmf)' : '',
    systemdBoot === undefined ? 'systemd-bootx64.efi (systemd-boot-efi)' : '',
    mkfsVfat === undefined ? 'mkfs.vfat (dosfstools)' : '',
    mcopy === undefined ? 'mcopy (mtools)' : '',
  ].filter((m) => m !== '');
  if (missing.length > 0) {
    return `missing ${missing.join(', ')}; install with: apt-get install -y ${DEBIAN_PACKAGES}`;
  }
  return {
    qemu: qemu!,
    firmware: pair === undefined ? { bios: bios! } : { code: pair[0], vars: pair[1] },
    systemdBoot: systemdBoot!,
    mkfsVfat: mkfsVfat!,
    mcopy: mcopy!,
  };
}

/**
 * A Debian x86-64 kernel image: the host's newest /boot/vmlinuz-*, else the package
 * linux-image-amd64 depends on, downloaded with apt-get into a cache directory outside the
 * repository and unpacked with dpkg-deb. Returns the path, or the reason there is none.
 */
export function findDebianKernel(): { path: string; version: string } | string {
  const host = safeList('/boot')
    .filter((n) => n.startsWith('vmlinuz-'))
    .sort((a, b) => compareVersions(b, a))
    .map((n) => join('/boot', n))
    .find((p) => {
      try {
        accessSync(p, constants.R_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (host !== undefined) return { path: host, version: host.slice('/boot/vmlinuz-'.length) };
  const cache = join(process.env.XDG_CACHE_HOME ?? tmpdir(), 'serpent-boot-test-kernel');
  const cached = safeList(join(cache, 'boot')).find((n) => n.startsWith('vmlinuz-'));
  if (cached !== undefined)
    return { path: join(cache, 'boot', cached), version: cached.slice('vmlinuz-'.length) };
  if (which('apt-get') === undefined || which('dpkg-deb') === undefined) {
    return 'no /boot/vmlinuz-* and no apt-get/dpkg-deb to fetch the Debian kernel (linux-image-amd64)';
  }
  try {
    const depends = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
    const pkg = depends.match(/Depends: (linux-image-\d\S*)/)?.[1];
    if (pkg === undefined) return 'apt-cache knows no linux-image-amd64 dependency; run apt-get update';
    mkdirSync(cache, { recursive: true });
    execFileSync('apt-get', ['download', pkg], { cwd: cache, stdio: 'pipe', timeout: 600_000 });
    const deb = safeList(cache).find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
    if (deb === undefined) return `apt-get download ${pkg} produced no .deb`;
    execFileSync(
      'sh',
      ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -x --wildcards './boot/vmlinuz-*'`, 'sh', deb],
      {
        cwd: cache,
        stdio: 'pipe',
      },
    );
  } catch (error) {
    return `fetching the Debian kernel failed: ${(error as Error).message.split('\n')[0]}`;
  }
  const got = safeList(join(cache, 'boot')).find((n) => n.startsWith('vmlinuz-'));
  return got === undefined
    ? 'the kernel package held no /boot/vmlinuz-*'
    : { path: join(cache, 'boot', got), version: got.slice(8) };
}

/** A FAT image holding the ESP directory's tree, built without mounting (mkfs.vfat -C, mcopy). */
export function buildFatImage(tools: QemuTools, espDir: string, image: string, sizeMiB: number): void {
  execFileSync(tools.mkfsVfat, ['-C', '-F', '32', '-n', 'ESP', image, String(sizeMiB * 1024)], {
    stdio: 'pipe',
  });
  const top = readdirSync(espDir).map((n) => join(espDir, n));
  execFileSync(tools.mcopy, ['-s', '-Q', '-i', image, ...top, '::/'], { stdio: 'pipe' });
}

export interface BootRun {
  readonly serial: string;
  readonly accel: 'kvm' | 'tcg';
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Wall time of this qemu run, and of the failed KVM attempt before it, if any. */
  readonly durationMs: number;
  readonly kvmAttemptMs?: number;
}

/**
 * Boots the image under OVMF with the serial console in a file. KVM when /dev/kvm opens;
 * if that run prints no kernel command line (nested KVM can fail with an internal error),
 * once more under TCG, which needed ≈ 10 s for this boot on a 2-core machine.
 */
export async function bootImage(
  tools: QemuTools,
  image: string,
  workDir: string,
  timeoutMs: number,
): Promise<BootRun> {
  if (kvmWorks === undefined) {
    try {
      accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
      kvmWorks = true;
    } catch {
      kvmWorks = false;
    }
  }
  if (kvmWorks) {
    const run = await runQemu(tools, image, workDir, 'kvm', timeoutMs);
    if (run.serial.includes('Command line:')) return run;
    kvmWorks = false;
    return { ...(await runQemu(tools, image, workDir, 'tcg', timeoutMs)), kvmAttemptMs: run.durationMs };
  }
  return runQemu(tools, image, workDir, 'tcg', timeoutMs);
}

/** Whether KVM booted before in this process; a failed KVM run is not repeated. */
let kvmWorks: boolean | undefined;

async function runQemu(
  tools: QemuTools,
  image: string,
  workDir: string,
  accel: 'kvm' | 'tcg',
  timeoutMs: number,
): Promise<BootRun> {
  const serialPath = join(workDir, `serial-${accel}.log`);
  const firmware: string[] = [];
  if ('code' in tools.firmware) {
    const vars = join(workDir, `vars-${accel}.fd`);
    copyFileSync(tools.firmware.vars, vars);
    firmware.push(
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${tools.firmware.code}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${vars}`,
    );
  } else {
    firmware.push('-bios', tools.firmware.bios);
  }
  const args = [
    '-machine',
    `q35,accel=${accel}`,
    '-m',
    '512',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-monitor',
    'none',
    '-serial',
    `file:${serialPath}`,
    ...firmware,
    '-drive',
    `format=raw,file=${image},if=virtio`,
  ];
  const started = performance.now();
  const child = spawn(tools.qemu, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // qemu reports "KVM internal error" (seen with nested virtualisation) and then hangs
  // instead of exiting: stop it at once so the caller can fall back to TCG.
  child.stderr.on('data', (chunk: Buffer) => {
    if (chunk.toString('latin1').includes('KVM internal error')) child.kill('SIGKILL');
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearTimeout(timer);
  const serial = existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : '';
  return { serial, accel, exitCode, timedOut, durationMs: Math.round(performance.now() - started) };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
