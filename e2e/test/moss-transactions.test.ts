import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mossAssetName } from '@serpent/stone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, MOSS, MOSS_BUILT, moss, plainEnv, SHARED } from './support/paths.js';
import { makeStone, manyFiles } from './support/stones.js';

const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss transaction e2e: ${skip}`);
const BASH = join(SHARED, 'fixtures', 'stone', 'bash-completion-2.11-1-1-x86_64.stone');
const work = mkdtempSync(join(tmpdir(), 'moss-tx-e2e-'));
const stones = join(work, 'stones');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const S: Record<string, string> = {};
beforeAll(async () => {
  if (skip) return;
  mkdirSync(stones, { recursive: true });
  S.libgreet = await makeStone(stones, {
    name: 'libgreet',
    provides: ['soname(libgreet.so.1(x86_64))'],
    files: { 'lib/libgreet.so.1': 'not really ELF\n', 'share/greet/greeting': 'hello\n' },
    symlinks: { 'lib/libgreet.so': 'libgreet.so.1' },
  });
  S.hello = await makeStone(stones, {
    name: 'hello',
    depends: ['soname(libgreet.so.1(x86_64))'],
    files: {
      'bin/hello': { content: '#!/bin/sh\necho hello\n', mode: 0o755 },
      'share/doc/hello/README': 'hello\n',
    },
  });
  S.clash = await makeStone(stones, {
    name: 'clash',
    files: { 'share/greet/greeting': 'a different greeting\n' },
  });
  S.orphanUser = await makeStone(stones, { name: 'needs-missing', depends: ['binary(nowhere-to-be-found)'] });
  S.big = await makeStone(stones, { name: 'big', files: manyFiles('share/big', 3000) });
});

function newRoot(name: string): string {
  const root = join(work, name);
  mkdirSync(root, { recursive: true });
  return root;
}
const m = (root: string, ...args: string[]) => moss(['-D', root, ...args]);
function activeState(root: string): number | undefined {
  const f = join(root, 'usr', '.stateID');
  return existsSync(f) ? Number(readFileSync(f, 'utf8')) : undefined;
}
function assetOf(root: string, hashHex: string): string {
  const x = mossAssetName(hashHex);
  return x.length >= 10
    ? join(root, '.moss/assets/v2', x.slice(0, 2), x.slice(2, 4), x.slice(4, 6), x)
    : join(root, '.moss/assets/v2', x);
}
describe.skipIf(skip !== undefined)('moss install, remove, rollback', () => {
  it('installs stones with their dependencies as hard links into the store, with their modes', () => {
    const root = newRoot('basic');
    const r = m(root, 'install', S.hello!, S.libgreet!, '-y');
    expect(r.stderr).not.toContain('error');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('State 1 is active: 2 package(s) installed');
    const hello = lstatSync(join(root, 'usr/bin/hello'));
    expect(hello.mode & 0o777).toBe(0o755);
    expect(lstatSync(join(root, 'usr/share/greet/greeting')).mode & 0o777).toBe(0o644);
    expect(readlinkSync(join(root, 'usr/lib/libgreet.so'))).toBe('libgreet.so.1');
    expect(readlinkSync(join(root, 'bin'))).toBe('usr/bin');
    // Every regular file is the store's asset itself (one inode), found through `moss info -f`.
    const info = JSON.parse(m(root, 'info', '-f', '--json', 'hello', 'libgreet').stdout) as {
      files: { path: string; type: string; hash?: string }[];
    }[];
    let linked = 0;
    for (const pkg of info) {
      for (const f of pkg.files) {
        if (f.type !== 'regular') continue;
        expect(statSync(join(root, f.path)).ino).toBe(statSync(assetOf(root, f.hash!)).ino);
        linked++;
      }
    }
    expect(linked).toBe(4);
    const list = JSON.parse(m(root, 'list', 'installed', '--json').stdout) as {
      name: string;
      explicit: boolean;
    }[];
    expect(list.map((p) => [p.name, p.explicit])).toEqual([
      ['hello', true],
      ['libgreet', true],
    ]);
  });

  it('pulls a dependency in by provider, removes it as an orphan, and rolls back', () => {
    const root = newRoot('deps');
    // libgreet is offered as a file but only hello is asked for by name: it comes as a dependency.
    expect(m(root, 'install', S.hello!, S.libgreet!, '-y').status).toBe(0);
    const before = statSync(join(root, 'usr')).ino;
    const r = m(root, 'remove', 'hello', '-y');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('hello 1.0-1');
    expect(existsSync(join(root, 'usr/bin/hello'))).toBe(false);
    expect(activeState(root)).toBe(2);
    // State 1's tree is archived, not deleted.
    expect(statSync(join(root, '.moss/root/1/usr')).ino).toBe(before);
    const back = m(root, 'state', 'activate', '1');
    expect(back.stdout).toContain('State 1 activated (2 archived)');
    expect(activeState(root)).toBe(1);
    expect(readFileSync(join(root, 'usr/bin/hello'), 'utf8')).toContain('echo hello');
    expect(statSync(join(root, 'usr')).ino).toBe(before);
    const states = JSON.parse(m(root, 'state', 'list', '--json').stdout) as {
      id: number;
      active: boolean;
      summary: string;
    }[];
    expect(states.map((s) => [s.id, s.summary, s.active])).toEqual([
      [2, 'Remove', false],
      [1, 'Install', true],
    ]);
  });

  it('removes reverse dependencies with the package they need, saying why', () => {
    const root = newRoot('reverse');
    expect(m(root, 'install', S.hello!, S.libgreet!, '-y').status).toBe(0);
    const r = m(root, 'remove', 'libgreet', '-y');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/hello 1\.0-1 {2}\(reverse-dependency: .*soname\(libgreet\.so\.1\(x86_64\)\)/);
    expect(JSON.parse(m(root, 'list', 'installed', '--json').stdout)).toEqual([]);
  });

  it('refuses two packages shipping one path with different content, naming both, and changes nothing', () => {
    const root = newRoot('conflict');
    expect(m(root, 'install', S.libgreet!, '-y').status).toBe(0);
    const usr = statSync(join(root, 'usr')).ino;
    const r = m(root, 'install', S.clash!, '-y');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/usr/share/greet/greeting');
    expect(r.stderr).toContain('libgreet');
    expect(r.stderr).toContain('clash');
    expect(statSync(join(root, 'usr')).ino).toBe(usr);
    expect(activeState(root)).toBe(1);
    expect(JSON.parse(m(root, 'state', 'list', '--json').stdout)).toHaveLength(1);
    expect(readdirSync(join(root, '.moss/root'))).not.toContain('2');
  });

  it('explains a missing provider by naming what needs it', () => {
    const root = newRoot('missing');
    const r = m(root, 'install', S.orphanUser!, '-y');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('binary(nowhere-to-be-found)');
    expect(r.stderr).toContain('needs-missing');
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });

  it('asks before changing anything, and refuses without a terminal unless -y', () => {
    const root = newRoot('confirm');
    const r = m(root, 'install', S.libgreet!);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('pass -y');
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });

  it.skipIf(!HAVE_SHARED)('installs the real bash-completion stone', () => {
    const root = newRoot('bash');
    const r = m(root, 'install', BASH, '-y');
    expect(r.status).toBe(0);
    expect(readlinkSync(join(root, 'usr/share/bash-completion/completions/7za'))).toBe('7z');
    expect(statSync(join(root, 'usr/share/bash-completion/bash_completion')).mode & 0o777).toBe(0o644);
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });
});

describe.skipIf(skip !== undefined)('moss state prune and verify', () => {
  it('prune removes old states and the packages and assets only they used, and reports the space', () => {
    const root = newRoot('prune');
    expect(m(root, 'install', S.big!, '-y').status).toBe(0);
    expect(m(root, 'remove', 'big', '-y').status).toBe(0);
    expect(m(root, 'install', S.libgreet!, '-y').status).toBe(0);
    const assetsBefore = countFiles(join(root, '.moss/assets/v2'));
    const r = m(root, 'state', 'prune', '--keep', '1', '-y');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Removed 2 state\(s\), 1 package\(s\) no state uses, 3000 asset\(s\)/);
    expect(r.stdout).toMatch(/[1-9][0-9.]* MiB freed|0\.[1-9]\d* MiB freed/);
    expect(countFiles(join(root, '.moss/assets/v2'))).toBe(assetsBefore - 3000);
    expect(readdirSync(join(root, '.moss/root')).filter((d) => /^\d+$/.test(d))).toEqual([]);
    expect(JSON.parse(m(root, 'state', 'list', '--json').stdout).map((s: { id: number }) => s.id)).toEqual([
      3,
    ]);
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });

  it('verify finds a deleted and an altered file and repairs both', () => {
    const root = newRoot('verify');
    expect(m(root, 'install', S.hello!, S.libgreet!, '-y').status).toBe(0);
    rmSync(join(root, 'usr/share/doc/hello/README'));
    const greeting = join(root, 'usr/share/greet/greeting');
    rmSync(greeting);
    writeFileSync(greeting, 'tampered\n');
    const r = m(root, 'state', 'verify');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('missing-path: /usr/share/doc/hello/README');
    expect(r.stdout).toContain('altered-path: /usr/share/greet/greeting');
    const fix = m(root, 'state', 'verify', '--repair', '-y');
    expect(fix.status).toBe(0);
    expect(fix.stdout).toContain('All issues resolved');
    expect(readFileSync(greeting, 'utf8')).toBe('hello\n');
    expect(existsSync(join(root, 'usr/share/doc/hello/README'))).toBe(true);
    expect(activeState(root)).toBe(1);
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });

  it('verify finds a damaged store asset and restores it from the stone', () => {
    const root = newRoot('verify-asset');
    expect(m(root, 'install', S.libgreet!, '-y').status).toBe(0);
    const info = JSON.parse(m(root, 'info', '-f', '--json', 'libgreet').stdout) as {
      files: { path: string; hash?: string }[];
    }[];
    const hash = info[0]!.files.find((f) => f.path.includes('greeting'))!.hash!;
    const asset = assetOf(root, hash);
    rmSync(asset);
    writeFileSync(asset, 'damaged');
    const r = m(root, 'state', 'verify');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`corrupt-asset: ${hash}`);
    expect(m(root, 'state', 'verify', '--repair', '-y').status).toBe(0);
    expect(readFileSync(join(root, 'usr/share/greet/greeting'), 'utf8')).toBe('hello\n');
    expect(m(root, 'state', 'verify').stdout).toContain('No issues found');
  });
});

describe.skipIf(skip !== undefined)('the root lock', () => {
  it('makes a second moss wait for the first and say who holds the root', async () => {
    const root = newRoot('lock');
    const first = spawn(process.execPath, [MOSS, '-D', root, 'install', S.big!, '-y', '--json'], {
      env: plainEnv(),
    });
    let out = '';
    await new Promise<void>((res) => {
      first.stderr.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"phase":"precache"')) res();
      });
    });
    const second = moss(['-D', root, 'state', 'list']);
    await new Promise((res) => first.on('exit', res));
    expect(second.status).toBe(0);
    expect(second.stderr).toMatch(
      new RegExp(`Waiting: another process holds this root \\(pid ${first.pid}: moss .*install`),
    );
    expect(second.stdout).toContain('State #1');
  });
});

function countFiles(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir, { withFileTypes: true }))
    n += d.isDirectory() ? countFiles(join(dir, d.name)) : 1;
  return n;
}
