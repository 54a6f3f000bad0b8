import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, MOSS_FSTX, moss } from './support/paths.js';
import { makeStone } from './support/stones.js';

// The initrd helper (moss-fstx, built by @serpent/boot) run on a root our moss made, as the
// initrd runs it on /sysroot, and the real moss afterwards: moss must agree with what the
// helper did (the picked state active, the boot menu's default moved to it, no journal, the
// replaced tree archived where a later transaction expects it), and settle a kill -9 of the
// helper after each of its steps. The same under qemu with a dracut initrd:
// moss-boot-rollback.test.ts.
const skip = !MOSS_BUILT
  ? 'tools/moss is not built'
  : !existsSync(MOSS_FSTX)
    ? 'moss-fstx is not built (the @serpent/boot build needs make and a C compiler)'
    : undefined;
if (skip) console.warn(`skipping moss-fstx e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-fstx-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const template = join(work, 'template');
const S: Record<string, string> = {};

// State 1: base + kernel; state 2: + extra. Boot entries go to an ESP directory beside the root.
beforeAll(async () => {
  if (skip) return;
  const stones = join(work, 'stones');
  mkdirSync(stones);
  mkdirSync(join(template, 'root'), { recursive: true });
  mkdirSync(join(template, 'esp'));
  S.base = await makeStone(stones, {
    name: 'os-base',
    files: { 'lib/os-release': 'NAME="Serpent OS"\nID="serpentos"\nPRETTY_NAME="Serpent OS (e2e)"\n' },
  });
  S.linux = await makeStone(stones, {
    name: 'linux',
    version: '6.12.1',
    files: { 'lib/kernel/6.12.1/vmlinuz': 'kernel image 6.12.1\n' },
  });
  S.extra = await makeStone(stones, { name: 'extra', files: { 'share/extra/data': 'extra\n' } });
  S.later = await makeStone(stones, { name: 'later', files: { 'share/later/data': 'later\n' } });
  const root = join(template, 'root');
  expect(moss(['-D', root, 'install', S.base, S.linux, '-y']).status).toBe(0);
  expect(moss(['-D', root, 'boot', 'sync', '--boot-dir', join(template, 'esp')]).status).toBe(0);
  expect(moss(['-D', root, 'install', S.extra, '-y']).status).toBe(0);
});

let n = 0;
/** A copy of the two-state root and its ESP (hard links inside the copy kept, as `cp -a` does). */
function freshRoot(): { root: string; esp: string } {
  const dir = join(work, `case-${n++}`);
  execFileSync('cp', ['-a', template, dir]);
  const config = join(dir, 'root/etc/moss/boot.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(join(template, 'esp'), join(dir, 'esp')));
  return { root: join(dir, 'root'), esp: join(dir, 'esp') };
}

/** The helper as the initrd runs it, with `moss.fstx=<id>` on a command line read from a file. */
function bootWith(root: string, id: number, env: NodeJS.ProcessEnv = {}) {
  const cmdline = join(work, `cmdline-${n++}`);
  writeFileSync(cmdline, `BOOT_IMAGE=/serpentos/vmlinuz rw moss.fstx=${id} quiet\n`);
  const r = spawnSync(MOSS_FSTX, ['--cmdline', cmdline, root], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, signal: r.signal, out: r.stderr };
}

const m = (root: string, ...args: string[]) => moss(['-D', root, ...args]);
const activeId = (root: string) => JSON.parse(m(root, 'state', 'active', '--json').stdout)?.id as number;
const defaultEntry = (root: string) =>
  (
    JSON.parse(m(root, 'boot', 'status', '--json').stdout) as {
      entries: { stateId?: string; isDefault: boolean }[];
    }
  ).entries.find((e) => e.isDefault)?.stateId;
const treeId = (dir: string) => readFileSync(join(dir, '.stateID'), 'utf8').trim();

/** What "moss agrees" means once the root is on `live`, `other` being the other state. */
function expectAgreed(root: string, live: number, other: number): void {
  expect(existsSync(join(root, '.moss/journal.json'))).toBe(false);
  expect(existsSync(join(root, '.moss/boot-activation.json'))).toBe(false);
  expect(activeId(root)).toBe(live);
  const states = JSON.parse(m(root, 'state', 'list', '--json').stdout) as { id: number; active: boolean }[];
  expect(states.filter((s) => s.active).map((s) => s.id)).toEqual([live]);
  expect(defaultEntry(root)).toBe(String(live));
  expect(treeId(join(root, 'usr'))).toBe(String(live));
  expect(treeId(join(root, '.moss/root', String(other), 'usr'))).toBe(String(other));
  expect(existsSync(join(root, '.moss/root', String(live)))).toBe(false);
  expect(existsSync(join(root, '.moss/root/staging'))).toBe(false);
  const v = m(root, 'state', 'verify');
  expect(v.stdout, v.stderr).toContain('No issues found');
}

describe.skipIf(skip !== undefined)('boot-time rollback: moss-fstx on a moss root, then moss', () => {
  it('moss agrees with a state picked at boot, and the next transaction starts from it', () => {
    const { root } = freshRoot();
    expect(defaultEntry(root)).toBe('2');
    const r = bootWith(root, 1);
    expect(r.status, r.out).toBe(0);
    expect(existsSync(join(root, '.moss/boot-activation.json'))).toBe(true);

    // The first moss run after the boot says what happened and moves the boot menu's default.
    const first = m(root, 'state', 'active');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      "State 1 was picked in the boot menu and is active (it replaced state 2); it is now the boot menu's default",
    );
    expect(first.stdout).toContain('State #1');
    expectAgreed(root, 1, 2);
    // Reported once: the marker is gone.
    expect(m(root, 'state', 'active').stderr).not.toContain('boot menu');

    // A transaction starts from state 1: state 1's packages plus the new one, not state 2's.
    const later = m(root, 'install', S.later!, '-y');
    expect(later.status, later.stderr).toBe(0);
    expect(activeId(root)).toBe(3);
    expect(existsSync(join(root, 'usr/share/later/data'))).toBe(true);
    expect(existsSync(join(root, 'usr/share/extra/data'))).toBe(false);
    expect(treeId(join(root, '.moss/root/1/usr'))).toBe('1');
    expect(treeId(join(root, '.moss/root/2/usr'))).toBe('2');
    const names = (JSON.parse(m(root, 'list', 'installed', '--json').stdout) as { name: string }[]).map(
      (p) => p.name,
    );
    expect(names.sort()).toEqual(['later', 'linux', 'os-base']);
    expect(defaultEntry(root)).toBe('3');
  });

  it('two boot-time switches before moss runs again leave the last one, and moss agrees', () => {
    const { root } = freshRoot();
    expect(bootWith(root, 1).status).toBe(0);
    expect(bootWith(root, 2).status).toBe(0);
    const first = m(root, 'state', 'list');
    expect(first.stderr).toContain('State 2 was picked in the boot menu and is active (it replaced state 1)');
    expectAgreed(root, 2, 1);
    // `moss state activate` finds the tree the helper archived.
    expect(m(root, 'state', 'activate', '1', '-y').status).toBe(0);
    expectAgreed(root, 1, 2);
  });

  it('keeps the marker until the boot menu could be updated', () => {
    const { root, esp } = freshRoot();
    expect(bootWith(root, 1).status).toBe(0);
    // The ESP is gone (unmounted, say): the sync fails, moss warns and keeps the marker.
    rmSync(esp, { recursive: true });
    writeFileSync(esp, 'not a directory');
    const r = m(root, 'state', 'active');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('boot entries not updated after the boot-time rollback');
    expect(existsSync(join(root, '.moss/boot-activation.json'))).toBe(true);
    rmSync(esp);
    mkdirSync(esp);
    expect(m(root, 'state', 'active').stderr).toContain('State 1 was picked in the boot menu');
    expectAgreed(root, 1, 2);
  });

  // kill -9 after each step of the helper (a power cut after fsync of that step): moss settles
  // it from the disk as an interrupted `state activate`, and the next boot can switch again.
  const STEPS: ReadonlyArray<readonly [string, 1 | 2]> = [
    ['journal', 2],
    ['staged', 2],
    ['exchanged', 1],
    ['archived', 1],
    ['cleaned', 1],
  ];
  for (const [step, live] of STEPS) {
    it(`settles a helper killed after the step "${step}" on state ${live}`, () => {
      const { root } = freshRoot();
      const usrIno = statSync(join(root, 'usr')).ino;
      const r = bootWith(root, 1, { MOSS_FSTX_FAULT_KILL_AT: step });
      expect(r.signal, r.out).toBe('SIGKILL');
      // The next boot (any entry) boots what is live and leaves the journal to moss.
      const again = bootWith(root, live === 1 ? 2 : 1);
      expect(again.out).toContain('a moss transaction was interrupted');
      const first = m(root, 'state', 'active');
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).toContain(
        live === 1
          ? 'an interrupted transaction was completed; state 1 is active'
          : 'an interrupted transaction was rolled back; state 2 is still active',
      );
      expectAgreed(root, live, live === 1 ? 2 : 1);
      expect(statSync(join(root, live === 1 ? '.moss/root/2/usr' : 'usr')).ino).toBe(usrIno);
      // And the rollback can be asked for again at the next boot.
      expect(bootWith(root, 3 - live).status).toBe(0);
      m(root, 'state', 'active');
      expectAgreed(root, 3 - live, live);
    });
  }
});
