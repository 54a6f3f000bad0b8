import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS, MOSS_BUILT, moss } from './support/paths.js';
import { makeStone } from './support/stones.js';

// `moss install --to DIR` (an image or build root made from the root's store, no state): only
// DIR/usr is replaced, atomically at the end; the original deleted the whole DIR (PR #859).
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss install --to e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-to-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'root');
const S: Record<string, string> = {};

beforeAll(async () => {
  if (skip) return;
  const stones = join(work, 'stones');
  mkdirSync(stones, { recursive: true });
  mkdirSync(root);
  S.libgreet = await makeStone(stones, {
    name: 'libgreet',
    provides: ['soname(libgreet.so.1(x86_64))'],
    files: { 'lib/libgreet.so.1': 'not really ELF\n' },
    symlinks: { 'lib/libgreet.so': 'libgreet.so.1' },
  });
  S.hello = await makeStone(stones, {
    name: 'hello',
    depends: ['soname(libgreet.so.1(x86_64))'],
    files: { 'bin/hello': { content: '#!/bin/sh\necho hello\n', mode: 0o755 } },
  });
  // The root has both installed already: --to must still put both into the target.
  const r = moss(['-D', root, 'install', S.hello, S.libgreet, '-y']);
  expect(r.status, r.stderr).toBe(0);
});

/** A target with something of its own and an old usr/ the install replaces. */
function target(name: string): string {
  const t = join(work, name);
  mkdirSync(join(t, 'usr'), { recursive: true });
  writeFileSync(join(t, 'keep-me'), 'mine\n');
  writeFileSync(join(t, 'usr', 'old-file'), 'old\n');
  return t;
}

describe.skipIf(skip !== undefined)('moss install --to', () => {
  it('makes DIR/usr from the packages and their dependencies, keeps the rest of DIR, records no state', () => {
    const t = target('image');
    // hello alone: libgreet comes along from what the root has installed.
    const r = moss(['-D', root, 'install', '--to', t, S.hello!, '-y']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('error');
    expect(r.stdout).toContain(`${t}/usr: 2 package(s)`);
    expect(r.stdout).toContain('no state recorded');
    expect(lstatSync(join(t, 'usr/bin/hello')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(t, 'usr/lib/libgreet.so'))).toBe('libgreet.so.1');
    // Hard links into the root's store: the same inode as the root's own /usr.
    expect(statSync(join(t, 'usr/bin/hello')).ino).toBe(statSync(join(root, 'usr/bin/hello')).ino);
    expect(existsSync(join(t, 'usr/old-file'))).toBe(false);
    expect(readFileSync(join(t, 'keep-me'), 'utf8')).toBe('mine\n');
    expect(readlinkSync(join(t, 'bin'))).toBe('usr/bin');
    expect(existsSync(join(t, 'etc'))).toBe(true);
    expect(existsSync(join(t, '.moss-usr-staging'))).toBe(false);
    expect(existsSync(join(t, 'usr/.stateID'))).toBe(false);
    const states = JSON.parse(moss(['-D', root, 'state', 'list', '--json']).stdout) as unknown[];
    expect(states).toHaveLength(1);
  });

  it('refuses a missing target, and the root itself, naming them', () => {
    const missing = join(work, 'nowhere');
    const r1 = moss(['-D', root, 'install', '--to', missing, S.hello!, '-y']);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toContain(`--to ${missing}: no such directory`);
    const r2 = moss(['-D', root, 'install', '--to', root, S.hello!, '-y']);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('is the installation root itself');
  });

  it('leaves DIR/usr as it was when killed before the exchange, and the next run completes', () => {
    const t = target('killed');
    const killed = spawnSync(process.execPath, [MOSS, '-D', root, 'install', '--to', t, S.hello!, '-y'], {
      env: { ...process.env, MOSS_FAULT_KILL_AT: 'phase-start:swap' },
      encoding: 'utf8',
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(readFileSync(join(t, 'usr/old-file'), 'utf8')).toBe('old\n');
    expect(existsSync(join(t, 'usr/bin/hello'))).toBe(false);
    expect(existsSync(join(t, '.moss-usr-staging/bin/hello'))).toBe(true);
    const r = moss(['-D', root, 'install', '--to', t, S.hello!, '-y']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(t, 'usr/bin/hello'))).toBe(true);
    expect(existsSync(join(t, 'usr/old-file'))).toBe(false);
    expect(existsSync(join(t, '.moss-usr-staging'))).toBe(false);
  });

  it('keeps DIR/usr when run again for the same packages, never after a run killed past the exchange', () => {
    const t = target('again');
    expect(moss(['-D', root, 'install', '--to', t, S.hello!, '-y']).status).toBe(0);
    const ino = statSync(join(t, 'usr')).ino;
    const again = moss(['-D', root, 'install', '--to', t, S.hello!, '-y']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('kept: already these packages');
    expect(statSync(join(t, 'usr')).ino).toBe(ino);
    // Killed after the new tree went in, before it was recorded as complete: no ledger, so the
    // next run builds the tree again rather than trusting it.
    const killed = spawnSync(process.execPath, [MOSS, '-D', root, 'install', '--to', t, S.libgreet!, '-y'], {
      env: { ...process.env, MOSS_FAULT_KILL_AT: 'phase-start:system-triggers' },
      encoding: 'utf8',
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(t, '.moss-usr-tree'))).toBe(false);
    const after = moss(['-D', root, 'install', '--to', t, S.libgreet!, '-y']);
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout).toContain('no state recorded');
    expect(existsSync(join(t, '.moss-usr-tree'))).toBe(true);
  });
});
