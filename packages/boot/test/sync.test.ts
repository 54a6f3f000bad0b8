import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeSystemdBoot, makeUsr, tempDir, write } from './helpers.js';
import {
  type BootEvent,
  type BootStateInput,
  bootStatus,
  hasCodeOf,
  parseBootEntry,
  syncBoot,
} from './imports.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const sha16 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 16);

/** Every file below dir, relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * An image root with states 1..6 the way moss keeps them: the live tree under `<root>/usr`
 * (state 6), archived trees under `<root>/.moss/root/<id>/usr`. Kernel history:
 * states 1-2 ship 6.10.1-1, states 3-4 ship 6.11.2-1, state 5 ships 6.11.2-1 rebuilt
 * (same version, other bytes) plus 6.12.0-1, state 6 ships 6.12.0-1 only.
 */
function imageWithStates(): { root: string; esp: string; states: BootStateInput[] } {
  const t = tempDir('sync');
  cleanups.push(t.cleanup);
  const root = join(t.dir, 'root');
  const esp = join(t.dir, 'esp');
  mkdirSync(esp, { recursive: true });
  const k = (version: string, image: string) => ({
    version,
    image,
    initrds: { '50-default.initrd': `initrd of ${image}` },
    cmdline: { 'kernel.cmdline': '# per-kernel\nmitigations=auto\n' },
  });
  const kernels: Record<number, ReturnType<typeof k>[]> = {
    1: [k('6.10.1-1', 'K610')],
    2: [k('6.10.1-1', 'K610')],
    3: [k('6.11.2-1', 'K611')],
    4: [k('6.11.2-1', 'K611')],
    5: [k('6.11.2-1', 'K611-rebuilt'), k('6.12.0-1', 'K612')],
    6: [k('6.12.0-1', 'K612')],
  };
  const states: BootStateInput[] = [];
  for (let id = 1; id <= 6; id++) {
    const usrDir = id === 6 ? join(root, 'usr') : join(root, '.moss/root', String(id), 'usr');
    makeUsr(usrDir, {
      kernels: kernels[id]!,
      // Written out of order, plus a file that is not a snippet: the result must be sorted and filtered.
      snippets: {
        '20-b.cmdline': 'b=1\n',
        '10-a.cmdline': 'a=1\n',
        README: 'not a snippet',
        '30-masked.cmdline': 'masked=1',
      },
      systemdBoot: fakeSystemdBoot('257.1'),
    });
    states.push({ id, usrDir, createdAt: new Date(Date.UTC(2026, 10, id)), summary: `transaction ${id}` });
  }
  // The system's /etc overrides one snippet and masks another.
  write(join(root, 'etc/kernel/cmdline.d/20-b.cmdline'), 'b=etc\n');
  mkdirSync(join(root, 'etc/kernel/cmdline.d'), { recursive: true });
  symlinkSync('/dev/null', join(root, 'etc/kernel/cmdline.d/30-masked.cmdline'));
  return { root, esp, states };
}

describe('syncBoot for an image (ESP in a temporary directory)', () => {
  it('writes entries for the new state and the keep newest older ones, each kernel content once', async () => {
    const { root, esp, states } = imageWithStates();
    const result = await syncBoot({ root, bootDir: esp, states, keep: 2, rootArgument: 'root=PARTUUID=abc' });
    expect(result.status).toBe('synced');
    expect(result.mode).toBe('image');
    expect(result.entries.map((e) => [e.stateId, e.kernelVersion, e.isDefault])).toEqual([
      ['6', '6.12.0-1', true],
      ['5', '6.12.0-1', false],
      ['5', '6.11.2-1', false],
      ['4', '6.11.2-1', false],
    ]);
    const files = tree(esp);
    expect(files).toEqual(
      [
        'EFI/BOOT/BOOTX64.EFI',
        'EFI/systemd/systemd-bootx64.efi',
        'loader/entries/serpentos-4-6.11.2-1.conf',
        'loader/entries/serpentos-5-6.11.2-1.conf',
        'loader/entries/serpentos-5-6.12.0-1.conf',
        'loader/entries/serpentos-6-6.12.0-1.conf',
        `serpentos/6.11.2-1/50-default-${sha16('initrd of K611')}.initrd`,
        `serpentos/6.11.2-1/50-default-${sha16('initrd of K611-rebuilt')}.initrd`,
        `serpentos/6.11.2-1/vmlinuz-${sha16('K611')}`,
        `serpentos/6.11.2-1/vmlinuz-${sha16('K611-rebuilt')}`,
        `serpentos/6.12.0-1/50-default-${sha16('initrd of K612')}.initrd`,
        `serpentos/6.12.0-1/vmlinuz-${sha16('K612')}`,
        'serpentos/serpent-boot.json',
      ].sort(),
    );
    // 6.12.0-1 is shared by states 5 and 6 and copied once; the rebuilt 6.11.2-1 did not overwrite state 4's.
    expect(result.copied).toHaveLength(6);
    expect(readFileSync(join(esp, `serpentos/6.11.2-1/vmlinuz-${sha16('K611')}`), 'utf8')).toBe('K611');

    const entry = parseBootEntry(readFileSync(join(esp, 'loader/entries/serpentos-6-6.12.0-1.conf'), 'utf8'));
    expect(entry).toEqual({
      title: 'Serpent OS 0.24.6 - state 6 (2026-11-06 00:00 UTC, transaction 6)',
      version: '6.12.0-1',
      sortKey: 'serpentos-00',
      linux: `/serpentos/6.12.0-1/vmlinuz-${sha16('K612')}`,
      initrd: [`/serpentos/6.12.0-1/50-default-${sha16('initrd of K612')}.initrd`],
      // root, rw, state, the kernel's own cmdline, then snippets sorted, /etc overriding, masked one gone.
      options: 'root=PARTUUID=abc rw moss.fstx=6 mitigations=auto a=1 b=etc',
      ours: true,
    });
    const older = parseBootEntry(readFileSync(join(esp, 'loader/entries/serpentos-5-6.11.2-1.conf'), 'utf8'));
    expect(older.sortKey).toBe('serpentos-01');
    expect(older.title).toBe(
      'Serpent OS 0.24.6 - state 5 kernel 6.11.2-1 (2026-11-05 00:00 UTC, transaction 5)',
    );
    expect(older.linux).toBe(`/serpentos/6.11.2-1/vmlinuz-${sha16('K611-rebuilt')}`);
  });

  it('a second run with nothing changed copies nothing and rewrites nothing', async () => {
    const { root, esp, states } = imageWithStates();
    await syncBoot({ root, bootDir: esp, states });
    const entryPath = join(esp, 'loader/entries/serpentos-6-6.12.0-1.conf');
    const before = statSync(entryPath).mtimeMs;
    const again = await syncBoot({ root, bootDir: esp, states });
    expect(again.copied).toEqual([]);
    expect(again.removed).toEqual([]);
    expect(again.unchanged).toBe(8);
    expect(statSync(entryPath).mtimeMs).toBe(before);
    expect(again.bootloader.map((b) => b.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('after a prune, entries and kernel files only the pruned states used are removed; foreign files stay', async () => {
    const { root, esp, states } = imageWithStates();
    // Another OS's entry and loader files, and a foreign file in a directory named like ours.
    write(join(esp, 'loader/entries/debian-6.1.0.conf'), 'title Debian\nlinux /debian/vmlinuz\n');
    write(join(esp, 'loader/entries/serpentos-handmade.conf'), 'title mine\nlinux /x\n');
    write(join(esp, 'EFI/debian/grubx64.efi'), 'grub');
    write(join(esp, 'serpentos/notes.txt'), 'mine');
    await syncBoot({ root, bootDir: esp, states, keep: 5 });
    expect(readdirSync(join(esp, 'serpentos/6.10.1-1'))).toHaveLength(2);
    const events: BootEvent[] = [];

    // moss state prune removes states 1-4 and their trees.
    for (const id of [1, 2, 3, 4]) rmSync(join(root, '.moss/root', String(id)), { recursive: true });
    const pruned = await syncBoot({
      root,
      bootDir: esp,
      states: states.slice(4),
      keep: 5,
      onEvent: (e) => events.push(e),
    });
    // Events tell the same story as the result, as it happens.
    expect(events.filter((e) => e.type === 'boot-remove').map((e) => e.path)).toEqual(pruned.removed);
    // The remaining states' entries keep their text (same ranks), so none is rewritten.
    expect(events.filter((e) => e.type === 'boot-entry').map((e) => [e.stateId, e.changed])).toEqual([
      ['6', false],
      ['5', false],
      ['5', false],
    ]);
    expect(pruned.entries.map((e) => e.stateId)).toEqual(['6', '5', '5']);
    expect(pruned.removed.map((p) => relative(esp, p)).sort()).toEqual(
      [
        'loader/entries/serpentos-1-6.10.1-1.conf',
        'loader/entries/serpentos-2-6.10.1-1.conf',
        'loader/entries/serpentos-3-6.11.2-1.conf',
        'loader/entries/serpentos-4-6.11.2-1.conf',
        `serpentos/6.10.1-1/50-default-${sha16('initrd of K610')}.initrd`,
        `serpentos/6.10.1-1/vmlinuz-${sha16('K610')}`,
        `serpentos/6.11.2-1/50-default-${sha16('initrd of K611')}.initrd`,
        `serpentos/6.11.2-1/vmlinuz-${sha16('K611')}`,
      ].sort(),
    );
    expect(existsSync(join(esp, 'serpentos/6.10.1-1'))).toBe(false);
    expect(existsSync(join(esp, `serpentos/6.11.2-1/vmlinuz-${sha16('K611-rebuilt')}`))).toBe(true);
    for (const foreign of [
      'loader/entries/debian-6.1.0.conf',
      'loader/entries/serpentos-handmade.conf',
      'EFI/debian/grubx64.efi',
      'serpentos/notes.txt',
    ]) {
      expect(existsSync(join(esp, foreign)), foreign).toBe(true);
    }
  });

  it('activating an older state makes its entry the default in systemd-boot order (bootStatus)', async () => {
    const { root, esp, states } = imageWithStates();
    await syncBoot({ root, bootDir: esp, states, keep: 2, defaultId: 3 });
    const status = bootStatus({ root, bootDir: esp });
    expect(status.entries.filter((e) => e.ours).map((e) => [e.stateId, e.version, e.isDefault])).toEqual([
      ['3', '6.11.2-1', true],
      ['6', '6.12.0-1', false],
      ['5', '6.12.0-1', false],
      ['5', '6.11.2-1', false],
    ]);
    expect(status.entries.every((e) => e.missing.length === 0)).toBe(true);
    expect(status.bootloader.map((b) => [relative(esp, b.path), b.version])).toEqual([
      ['EFI/systemd/systemd-bootx64.efi', '257.1'],
      ['EFI/BOOT/BOOTX64.EFI', '257.1'],
    ]);
    // A kernel file deleted behind our back shows up as missing.
    rmSync(join(esp, status.entries[0]!.linux!));
    expect(bootStatus({ root, bootDir: esp }).entries[0]!.missing).toEqual([status.entries[0]!.linux]);
  });

  it('repairs a damaged kernel copy and removes a crashed temporary file', async () => {
    const { root, esp, states } = imageWithStates();
    await syncBoot({ root, bootDir: esp, states, keep: 0 });
    const kernel = join(esp, `serpentos/6.12.0-1/vmlinuz-${sha16('K612')}`);
    write(kernel, 'K61?');
    write(`${kernel}.serpent-tmp`, 'half a kernel');
    const again = await syncBoot({ root, bootDir: esp, states, keep: 0 });
    expect(again.copied).toEqual([kernel]);
    expect(readFileSync(kernel, 'utf8')).toBe('K612');
    expect(existsSync(`${kernel}.serpent-tmp`)).toBe(false);
  });

  it('a sync that fails half-way leaves files the next sync still owns and removes', async () => {
    const { root, esp, states } = imageWithStates();
    await syncBoot({ root, bootDir: esp, states: states.slice(0, 2), keep: 0 });
    // A file where state 4's kernel directory must go: the copy fails after state 6's kernel is written.
    write(join(esp, 'serpentos/6.11.2-1'), 'in the way');
    const error = await syncBoot({ root, bootDir: esp, states: states.slice(3), keep: 2 }).catch(
      (e: unknown) => e,
    );
    expect(hasCodeOf(error, 'BOOT_IO')).toBe(true);
    expect((error as Error).message).toContain('serpentos/6.11.2-1');
    const written = join(esp, `serpentos/6.12.0-1/vmlinuz-${sha16('K612')}`);
    expect(existsSync(written)).toBe(true);
    // State 6 is then dropped (say, the transaction was rolled back): its kernel is cleaned up.
    rmSync(join(esp, 'serpentos/6.11.2-1'));
    const next = await syncBoot({ root, bootDir: esp, states: states.slice(0, 2), keep: 0 });
    expect(next.removed).toContain(written);
    expect(existsSync(join(esp, 'serpentos/6.12.0-1'))).toBe(false);
    expect(tree(esp).filter((f) => f.startsWith('serpentos/'))).toEqual([
      `serpentos/6.10.1-1/50-default-${sha16('initrd of K610')}.initrd`,
      `serpentos/6.10.1-1/vmlinuz-${sha16('K610')}`,
      'serpentos/serpent-boot.json',
    ]);
  });

  it('reuses directories that differ only in case, and leaves a foreign fallback loader alone', async () => {
    const { root, esp, states } = imageWithStates();
    write(join(esp, 'efi/boot/bootx64.efi'), 'shim, not systemd-boot');
    const result = await syncBoot({ root, bootDir: esp, states, keep: 0 });
    expect(result.bootloader.map((b) => [relative(esp, b.path), b.action])).toEqual([
      ['efi/systemd/systemd-bootx64.efi', 'installed'],
      ['efi/boot/bootx64.efi', 'kept-foreign'],
    ]);
    expect(readdirSync(esp).sort()).toEqual(['efi', 'loader', 'serpentos']);
  });

  it('does not downgrade a newer systemd-boot when an older state is synced', async () => {
    const { root, esp, states } = imageWithStates();
    write(join(esp, 'EFI/systemd/systemd-bootx64.efi'), fakeSystemdBoot('258'));
    write(join(esp, 'EFI/BOOT/BOOTX64.EFI'), fakeSystemdBoot('256.4'));
    const result = await syncBoot({ root, bootDir: esp, states, keep: 0 });
    expect(result.bootloader.map((b) => [b.action, b.version])).toEqual([
      ['kept-newer', '258'],
      ['updated', '257.1'],
    ]);
  });

  it('reads the /usr/lib/modules/<version>/vmlinuz layout and puts kernels on XBOOTLDR when given', async () => {
    const t = tempDir('modules');
    cleanups.push(t.cleanup);
    const usrDir = makeUsr(join(t.dir, 'root/usr'), {
      kernels: [
        { version: '6.9.0-100.fc40.x86_64', image: 'KF', layout: 'lib/modules', initrds: { initrd: 'IF' } },
      ],
    });
    mkdirSync(join(t.dir, 'esp'));
    mkdirSync(join(t.dir, 'xbootldr'));
    const result = await syncBoot({
      root: join(t.dir, 'root'),
      bootDir: join(t.dir, 'esp'),
      xbootldrDir: join(t.dir, 'xbootldr'),
      states: [{ id: 'a1', usrDir, createdAt: '2026-11-23T00:00:00Z' }],
    });
    expect(tree(join(t.dir, 'esp'))).toEqual([]);
    expect(tree(join(t.dir, 'xbootldr'))).toEqual([
      'loader/entries/serpentos-a1-6.9.0-100.fc40.x86_64.conf',
      `serpentos/6.9.0-100.fc40.x86_64/initrd-${sha16('IF')}`,
      `serpentos/6.9.0-100.fc40.x86_64/vmlinuz-${sha16('KF')}`,
      'serpentos/serpent-boot.json',
    ]);
    // No root= for an image unless given: systemd-gpt-auto-generator finds the root partition.
    expect(parseBootEntry(readFileSync(result.entries[0]!.path, 'utf8')).options).toBe('rw moss.fstx=a1');
  });

  it('skips states without a kernel or tree with a warning, and touches nothing when none has one', async () => {
    const { root, esp, states } = imageWithStates();
    rmSync(join(root, '.moss/root/5'), { recursive: true });
    rmSync(join(root, '.moss/root/4/usr/lib/kernel'), { recursive: true });
    const result = await syncBoot({ root, bootDir: esp, states, keep: 2 });
    expect(result.entries.map((e) => e.stateId)).toEqual(['6']);
    expect(result.warnings).toEqual([
      `state 5: ${join(root, '.moss/root/5/usr')} is missing; no entry`,
      `state 4: no kernel in ${join(root, '.moss/root/4/usr')}/lib/kernel or lib/modules; no entry`,
    ]);
    rmSync(join(root, 'usr/lib/kernel'), { recursive: true });
    const none = await syncBoot({ root, bootDir: esp, states: states.slice(5) });
    expect(none.status).toBe('skipped');
    expect(none.reason).toBe('no selected state has a kernel');
    expect(existsSync(join(esp, 'loader/entries/serpentos-6-6.12.0-1.conf'))).toBe(true);
  });

  it('refuses an image without a boot directory instead of probing the host', async () => {
    const { root, states } = imageWithStates();
    const error = await syncBoot({ root, states }).catch((e: unknown) => e);
    expect(hasCodeOf(error, 'BOOT_NO_BOOT_DIR')).toBe(true);
    let statusError: unknown;
    try {
      bootStatus({ root });
    } catch (e) {
      statusError = e;
    }
    expect(hasCodeOf(statusError, 'BOOT_NO_BOOT_DIR')).toBe(true);
  });

  it('rejects bad input with BOOT_INVALID_INPUT and a bad os-release with BOOT_BAD_OS_RELEASE', async () => {
    const { root, esp, states } = imageWithStates();
    const dup = await syncBoot({ root, bootDir: esp, states: [states[0]!, states[0]!] }).catch(
      (e: unknown) => e,
    );
    expect(hasCodeOf(dup, 'BOOT_INVALID_INPUT')).toBe(true);
    const missing = await syncBoot({ root, bootDir: esp, states, defaultId: 99 }).catch((e: unknown) => e);
    expect(hasCodeOf(missing, 'BOOT_INVALID_INPUT')).toBe(true);
    write(join(root, 'usr/lib/os-release'), 'ID=serpentos\n');
    const os = await syncBoot({ root, bootDir: esp, states }).catch((e: unknown) => e);
    expect(hasCodeOf(os, 'BOOT_BAD_OS_RELEASE')).toBe(true);
    expect((os as Error).message).toContain('usr/lib/os-release');
  });
});
