import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BootError } from './boot-error.js';
import { discoverBootEnvironment } from './discover-boot.js';
import type { SyncBootOptions } from './sync-boot-types.js';

/** Where a sync writes: the ESP, the partition entries go to, and the kernel's root= arguments. */
export interface BootDirs {
  readonly espDir: string;
  readonly bootRoot: string;
  readonly rootArguments: string[];
}

function checked(dirs: BootDirs): BootDirs {
  for (const dir of [dirs.espDir, dirs.bootRoot]) {
    if (!existsSync(dir)) throw new BootError('BOOT_NO_BOOT_DIR', dir, 'the boot directory does not exist');
  }
  return dirs;
}

export function splitArgs(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((a) => a !== '');
}

/**
 * Where to write and the root= arguments. An image uses only the directories it is given and
 * never looks at the host; the running system finds its ESP (and XBOOTLDR) and root device.
 * `skipped` says why there is nothing to do (a BIOS machine).
 */
export function locateBootDirs(
  options: SyncBootOptions,
  root: string,
  mode: 'native' | 'image',
): BootDirs | { skipped: string } {
  if (mode === 'image') {
    if (options.bootDir === undefined) {
      throw new BootError('BOOT_NO_BOOT_DIR', root, 'an image needs the directory of its ESP');
    }
    return checked({
      espDir: resolve(options.bootDir),
      bootRoot: resolve(options.xbootldrDir ?? options.bootDir),
      rootArguments: splitArgs(options.rootArgument),
    });
  }
  const sysRoot = options.sysRoot ?? '/';
  const env = discoverBootEnvironment({ sysRoot });
  let espDir: string;
  let bootRoot: string;
  let rootArguments: string[];
  if (options.bootDir !== undefined) {
    espDir = resolve(options.bootDir);
    bootRoot = resolve(options.xbootldrDir ?? options.bootDir);
  } else {
    if (env.firmware === 'bios') {
      return {
        skipped:
          'BIOS firmware: boot entries are managed only on UEFI systems (systemd-boot); configure your BIOS boot loader yourself',
      };
    }
    if (env.esp === undefined)
      throw new BootError('BOOT_NO_ESP', join(sysRoot, 'sys/class/block'), 'no ESP found');
    if (env.esp.mountPoint === undefined) {
      throw new BootError('BOOT_ESP_NOT_MOUNTED', env.esp.device, 'the ESP is not mounted', {
        device: env.esp.device,
      });
    }
    espDir = join(sysRoot, env.esp.mountPoint);
    bootRoot = env.xbootldr?.mountPoint === undefined ? espDir : join(sysRoot, env.xbootldr.mountPoint);
  }
  if (options.rootArgument !== undefined) rootArguments = splitArgs(options.rootArgument);
  else if (env.rootArguments !== undefined) rootArguments = [...env.rootArguments];
  else {
    throw new BootError(
      'BOOT_ROOT_UNKNOWN',
      env.rootDevice ?? root,
      'cannot tell how the kernel finds the root filesystem',
    );
  }
  return checked({ espDir, bootRoot, rootArguments });
}
