import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Why real small or failing filesystems cannot be mounted here, or undefined when they can. */
export function disksUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a test filesystem needs root';
  for (const tool of ['mount', 'losetup', 'mkfs.ext4', 'truncate']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed`;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moss-disk-probe-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    run('umount', [dir]);
  } catch (e) {
    return `cannot mount a tmpfs here: ${(e as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return undefined;
}

export interface TestDisk {
  readonly dir: string;
  unmount(): void;
}

function mounted(build: (base: string, undo: (() => void)[]) => string): TestDisk {
  const base = mkdtempSync(join(tmpdir(), 'moss-disk-'));
  const undo: (() => void)[] = [() => rmSync(base, { recursive: true, force: true })];
  const unmount = () => {
    for (const u of undo.splice(0).reverse()) {
      try {
        u();
      } catch {
        // best effort: the next step still runs
      }
    }
  };
  try {
    return { dir: build(base, undo), unmount };
  } catch (e) {
    unmount();
    throw e;
  }
}

/** A real filesystem of `sizeMiB` (a tmpfs with that limit), to fill up. */
export function smallDisk(sizeMiB: number): TestDisk {
  return mounted((base, undo) => {
    const dir = join(base, 'mnt');
    mkdirSync(dir);
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
    undo.push(() => run('umount', ['-l', dir]));
    return dir;
  });
}

/**
 * An ext4 filesystem whose writes fail at writeback with EIO, as on a failing disk or a thin
 * volume that ran out: a 64 MiB sparse image on a tmpfs of `backingMiB` behind a loop device.
 * Writes land in the page cache; once the tmpfs is full, the loop device fails them ("Buffer
 * I/O error ... lost async page write") and syncfs reports EIO.
 */
export function failingDisk(backingMiB = 6): TestDisk {
  return mounted((base, undo) => {
    const backing = join(base, 'backing');
    const dir = join(base, 'mnt');
    mkdirSync(backing);
    mkdirSync(dir);
    run('mount', ['-t', 'tmpfs', '-o', `size=${backingMiB}m`, 'tmpfs', backing]);
    undo.push(() => run('umount', ['-l', backing]));
    const image = join(backing, 'disk.img');
    run('truncate', ['-s', '64M', image]);
    const loop = run('losetup', ['-f', '--show', image]);
    undo.push(() => run('losetup', ['-d', loop]));
    // No journal and no background inode-table zeroing: nothing writes but the test.
    run('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-E', 'lazy_itable_init=1', '-m', '0', loop]);
    run('mount', ['-o', 'noinit_itable', loop, dir]);
    undo.push(() => run('umount', ['-l', dir]));
    return dir;
  });
}

/** Free bytes of the filesystem holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
