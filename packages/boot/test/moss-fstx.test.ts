import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, write } from './helpers.js';

// The initrd helper on its own, compiled from initrd/moss-fstx.c with the package's Makefile
// into a temporary directory (so the test checks the source as it is, built or not), run on
// hand-made roots with a command line from a file. That moss agrees with what it leaves, and
// settles a kill at every step, is shown with the real moss in e2e/test/moss-fstx.test.ts;
// that it works inside a dracut initrd under qemu, in e2e/test/moss-boot-rollback.test.ts.
const work = tempDir('fstx');
afterAll(() => work.cleanup());
const initrdDir = fileURLToPath(new URL('../initrd', import.meta.url));
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const skip = !have('make') || !have('cc') ? 'no make or cc to build moss-fstx' : undefined;
if (skip) console.warn(`moss-fstx tests skipped: ${skip}`);
const isRoot = process.getuid?.() === 0;
const helper = join(work.dir, 'build', 'moss-fstx');

beforeAll(() => {
  if (skip) return;
  execFileSync('make', ['-s', '-C', initrdDir, `BUILDDIR=${join(work.dir, 'build')}`, 'CFLAGS=-O2 -Werror'], {
    stdio: 'pipe',
  });
});

let n = 0;
/** A root as moss leaves it: `live` in /usr, each of `archived` in .moss/root/<id>/usr. */
function fixtureRoot(live: number, archived: readonly number[]): string {
  const root = join(work.dir, `root-${n++}`);
  const tree = (dir: string, id: number) => {
    write(join(dir, '.stateID'), `${id}\n`);
    write(join(dir, 'bin', 'tool'), `tool of state ${id}\n`);
    write(join(dir, 'lib', 'os-release'), 'ID=serpentos\n');
  };
  tree(join(root, 'usr'), live);
  for (const id of archived) tree(join(root, '.moss', 'root', String(id), 'usr'), id);
  mkdirSync(join(root, '.moss', 'db'), { recursive: true });
  return root;
}

function run(root: string, cmdline: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(work.dir, `cmdline-${n++}`);
  writeFileSync(file, `${cmdline}\n`);
  const r = spawnSync(helper, ['--cmdline', file, root], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, signal: r.signal, out: r.stderr + r.stdout };
}

/** Every path under `root` with its inode and, for files, content: what "unchanged" means. */
function snapshot(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).sort().map((p) => {
    const full = join(root, p);
    const st = statSync(full, { throwIfNoEntry: false });
    const body = st?.isFile() ? readFileSync(full, 'utf8') : '';
    return `${p} ${st?.ino} ${body}`;
  });
}

const stateOf = (dir: string) => readFileSync(join(dir, '.stateID'), 'utf8').trim();

describe.skipIf(skip !== undefined)('moss-fstx, the initrd helper', () => {
  it('activates the requested state: the trees change places, moss’s journal becomes the marker', () => {
    const root = fixtureRoot(2, [1]);
    const liveIno = statSync(join(root, 'usr')).ino;
    const targetIno = statSync(join(root, '.moss/root/1/usr')).ino;
    const r = run(root, 'BOOT_IMAGE=/vmlinuz rw moss.fstx=1 quiet');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('activating state 1 (state 2 was live)');
    expect(stateOf(join(root, 'usr'))).toBe('1');
    // Moved, not copied: the live /usr is the archived tree itself, the old one is archived.
    expect(statSync(join(root, 'usr')).ino).toBe(targetIno);
    expect(statSync(join(root, '.moss/root/2/usr')).ino).toBe(liveIno);
    expect(stateOf(join(root, '.moss/root/2/usr'))).toBe('2');
    expect(existsSync(join(root, '.moss/root/1'))).toBe(false);
    expect(existsSync(join(root, '.moss/root/staging/usr'))).toBe(false);
    expect(existsSync(join(root, '.moss/journal.json'))).toBe(false);
    const marker = JSON.parse(readFileSync(join(root, '.moss/boot-activation.json'), 'utf8'));
    expect(marker).toMatchObject({
      version: 1,
      kind: 'activate',
      targetId: 1,
      previousId: 2,
      stagedInode: targetIno,
      skipTriggers: true,
      origin: 'initrd',
    });
    expect(Math.abs(marker.startedAt - Date.now())).toBeLessThan(60_000);
    // Booting the other entry next time brings state 2 back; the marker is the newest one.
    const back = run(root, 'moss.fstx=2');
    expect(back.status, back.out).toBe(0);
    expect(stateOf(join(root, 'usr'))).toBe('2');
    expect(statSync(join(root, 'usr')).ino).toBe(liveIno);
    expect(stateOf(join(root, '.moss/root/1/usr'))).toBe('1');
    expect(JSON.parse(readFileSync(join(root, '.moss/boot-activation.json'), 'utf8'))).toMatchObject({
      targetId: 2,
      previousId: 1,
    });
  });

  const refusals: Array<[string, (root: string) => void, string, string]> = [
    ['the state is already live', () => {}, 'moss.fstx=2', 'state 2 is already active'],
    ['the state is unknown', () => {}, 'moss.fstx=7', 'state 7 has no tree'],
    [
      'the archived tree belongs to another state',
      (root) => writeFileSync(join(root, '.moss/root/1/usr/.stateID'), '3'),
      'moss.fstx=1',
      'is not the tree of state 1 (its .stateID says 3)',
    ],
    [
      'a moss transaction is pending',
      (root) => writeFileSync(join(root, '.moss/journal.json'), '{"version":1}'),
      'moss.fstx=1',
      'a moss transaction was interrupted',
    ],
    [
      'the archive place of the live state is taken',
      (root) => mkdirSync(join(root, '.moss/root/2/usr'), { recursive: true }),
      'moss.fstx=1',
      'already exists, where the tree of state 2 would be archived',
    ],
    [
      'the archive place of the live state is a file',
      (root) => writeFileSync(join(root, '.moss/root/2'), 'x'),
      'moss.fstx=1',
      'is not a directory, where the tree of state 2 would be archived',
    ],
    [
      'staging holds a tree',
      (root) => write(join(root, '.moss/root/staging/usr/file'), 'x'),
      'moss.fstx=1',
      'is left over from an earlier moss run',
    ],
    [
      '/usr has no state id',
      (root) => rmSync(join(root, 'usr/.stateID')),
      'moss.fstx=1',
      'has no moss state id',
    ],
    ['there is no moss.fstx', () => {}, 'root=/dev/vda2 rw', 'no moss.fstx= on the kernel command line'],
    ['the id is not a number', () => {}, 'moss.fstx=1a', 'moss.fstx=1a is not a state id'],
    ['the id is empty', () => {}, 'moss.fstx= rw', 'moss.fstx= is not a state id'],
    ['the id is zero', () => {}, 'moss.fstx=0', 'is not a state id'],
    ['the id is too long', () => {}, 'moss.fstx=1234567890123456', 'is not a state id'],
    [
      'the last moss.fstx wins, and a quoted one is not a word',
      () => {},
      'moss.fstx=1 foo="a moss.fstx=1" moss.fstx=2',
      'state 2 is already active',
    ],
  ];
  for (const [name, prepare, cmdline, message] of refusals) {
    it(`boots the root as it is when ${name}`, () => {
      const root = fixtureRoot(2, [1]);
      prepare(root);
      const before = snapshot(root);
      const r = run(root, cmdline);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain(message);
      expect(snapshot(root)).toEqual(before);
    });
  }

  it('refuses a /usr that is a symlink (the legacy layout) and an archived tree that is one', () => {
    const root = fixtureRoot(2, []);
    rmSync(join(root, 'usr'), { recursive: true });
    mkdirSync(join(root, '.moss/root/2/usr'), { recursive: true });
    writeFileSync(join(root, '.moss/root/2/usr/.stateID'), '2');
    symlinkSync('.moss/root/2/usr', join(root, 'usr'));
    expect(run(root, 'moss.fstx=1').out).toContain('usr is not a directory');

    const other = fixtureRoot(2, []);
    mkdirSync(join(other, '.moss/root/1'), { recursive: true });
    symlinkSync(join(other, 'usr'), join(other, '.moss/root/1/usr'));
    const before = snapshot(other);
    expect(run(other, 'moss.fstx=1').out).toContain('state 1 has no tree');
    expect(snapshot(other)).toEqual(before);
  });

  it('takes a quoted value, as the kernel does', () => {
    const root = fixtureRoot(2, [1]);
    const r = run(root, 'rw moss.fstx="1"');
    expect(r.status, r.out).toBe(0);
    expect(stateOf(join(root, 'usr'))).toBe('1');
  });

  it('removes the empty staging tree the original moss can leave, then activates', () => {
    const root = fixtureRoot(2, [1]);
    mkdirSync(join(root, '.moss/root/staging/usr'), { recursive: true });
    const r = run(root, 'moss.fstx=1');
    expect(r.status, r.out).toBe(0);
    expect(stateOf(join(root, 'usr'))).toBe('1');
  });

  it('answers --help and refuses unknown options', () => {
    expect(spawnSync(helper, ['--help']).status).toBe(0);
    const bad = spawnSync(helper, ['--frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: moss-fstx');
  });

  it('leaves a prefix of its steps when killed after each one', () => {
    // What each step leaves: moss's recovery (e2e) settles every one of these.
    const expected: Record<string, (root: string) => void> = {
      journal: (root) => {
        expect(existsSync(join(root, '.moss/journal.json'))).toBe(true);
        expect(stateOf(join(root, '.moss/root/1/usr'))).toBe('1');
        expect(stateOf(join(root, 'usr'))).toBe('2');
      },
      staged: (root) => {
        expect(stateOf(join(root, '.moss/root/staging/usr'))).toBe('1');
        expect(stateOf(join(root, 'usr'))).toBe('2');
      },
      exchanged: (root) => {
        expect(stateOf(join(root, '.moss/root/staging/usr'))).toBe('2');
        expect(stateOf(join(root, 'usr'))).toBe('1');
      },
      archived: (root) => {
        expect(stateOf(join(root, '.moss/root/2/usr'))).toBe('2');
        expect(existsSync(join(root, '.moss/root/staging/usr'))).toBe(false);
        expect(existsSync(join(root, '.moss/root/1'))).toBe(true);
      },
      cleaned: (root) => {
        expect(existsSync(join(root, '.moss/root/1'))).toBe(false);
        expect(existsSync(join(root, '.moss/journal.json'))).toBe(true);
        expect(existsSync(join(root, '.moss/boot-activation.json'))).toBe(false);
      },
    };
    for (const [step, check] of Object.entries(expected)) {
      const root = fixtureRoot(2, [1]);
      const r = run(root, 'moss.fstx=1', { MOSS_FSTX_FAULT_KILL_AT: step });
      expect(r.signal, `${step}: ${r.out}`).toBe('SIGKILL');
      check(root);
      // A second boot with the journal pending leaves it for moss.
      expect(run(root, 'moss.fstx=1').out).toMatch(/already active|interrupted/);
    }
  });

  it.skipIf(!isRoot)('undoes its steps when the exchange fails (/usr is a mount point)', () => {
    const root = fixtureRoot(2, [1]);
    execFileSync('mount', ['--bind', join(root, 'usr'), join(root, 'usr')]);
    try {
      const before = snapshot(root);
      const r = run(root, 'moss.fstx=1');
      expect(r.status).toBe(1);
      expect(r.out).toContain('cannot exchange');
      expect(r.out).toContain('booting state 2');
      // Only the (empty) staging directory it made is new; moss removes it when no journal names it.
      expect(snapshot(root).filter((p) => !p.startsWith('.moss/root/staging '))).toEqual(before);
      expect(readdirSync(join(root, '.moss/root/staging'))).toEqual([]);
    } finally {
      execFileSync('umount', [join(root, 'usr')]);
    }
  });

  it.skipIf(!isRoot)('says so on a root mounted read-only, and changes nothing', () => {
    const root = fixtureRoot(2, [1]);
    execFileSync('mount', ['--bind', root, root]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', root]);
      const before = snapshot(root);
      const r = run(root, 'moss.fstx=1');
      expect(r.status).toBe(1);
      expect(r.out).toContain('mounted read-only');
      expect(snapshot(root)).toEqual(before);
    } finally {
      execFileSync('umount', [root]);
    }
  });
});
