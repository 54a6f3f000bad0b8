import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Why real small or failing disks cannot be made here, or undefined when they can. */
export function disksUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a test filesystem needs root';
  for (const tool of ['mount', 'losetup', 'mkfs.ext4']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed`;
  }
  const dir = mkdtempSync(join(tmpdir(), 'serpent-disk-probe-'));
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
  /** Where the filesystem is mounted. */
  readonly dir: string;
  unmount(): void;
}

/**
 * An ext4 filesystem whose writes fail at writeback with EIO, as on a failing disk or a thin
 * volume that ran out: a 64 MiB sparse image on a tmpfs of `backingMiB`, attached to a loop
 * device. Writes land in the page cache; once the tmpfs is full, the loop device fails them
 * (the kernel logs "Buffer I/O error ... lost async page write") and syncfs reports EIO.
 */
export function failingDisk(backingMiB = 6): TestDisk {
  const base = mkdtempSync(join(tmpdir(), 'serpent-eio-'));
  const backing = join(base, 'backing');
  const dir = join(base, 'mnt');
  mkdirSync(backing);
  mkdirSync(dir);
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
  } catch (e) {
    unmount();
    throw e;
  }
  return { dir, unmount };
}
