import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hasCode } from '@serpent/errors';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquireRootLock,
  acquireSharedRootLock,
  readLockHolder,
  rootLockPath,
} from '../src/lock/root-lock.js';
import { SystemError } from '../src/system-error.js';
import { finished, lineMatching, spawnFixture, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function root(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

describe('root lock', () => {
  it('creates <root>/.moss/run/lock and names its holder in it', async () => {
    const r = root();
    const lock = await acquireRootLock(r, { command: 'moss install nano' });
    expect(lock.path).toBe(rootLockPath(r));
    expect(readLockHolder(r)).toMatchObject({ pid: process.pid, command: 'moss install nano' });
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
    // Emptied on release, so nobody reads a stale pid while the lock is free.
    expect(readFileSync(lock.path, 'utf8')).toBe('');
    expect(readLockHolder(r)).toBeUndefined();
  });

  it('a second process fails fast with SYSTEM_LOCKED naming this holder', async () => {
    const r = root();
    using _lock = await acquireRootLock(r, { command: 'moss install nano' });
    const other = await finished(spawnFixture('lock-holder.ts', [r, 'try']));
    expect(other.code, other.stderr).toBe(3);
    expect(JSON.parse(other.stdout)).toEqual({
      code: 'SYSTEM_LOCKED',
      pid: process.pid,
      command: 'moss install nano',
    });
  });

  it('fails fast here when another process holds it, and says who', async () => {
    const r = root();
    const holder = spawnFixture('lock-holder.ts', [r, 'hold']);
    cleanups.push(() => holder.kill('SIGKILL'));
    await lineMatching(holder, /^locked$/);
    const err = await acquireRootLock(r, { wait: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemError);
    expect(hasCode(err, 'SYSTEM_LOCKED')).toBe(true);
    const e = err as SystemError;
    expect(e.details).toMatchObject({ pid: holder.pid, command: 'lock-holder hold', path: rootLockPath(r) });
    expect(e.message).toContain(`pid ${holder.pid} (lock-holder hold)`);
    expect(e.hint).toBeDefined();
  });

  it('waits for a holder that releases, telling onWait who it waits for', async () => {
    const r = root();
    const holder = spawnFixture('lock-holder.ts', [r, 'hold']);
    cleanups.push(() => holder.kill('SIGKILL'));
    await lineMatching(holder, /^locked$/);
    const seen: (number | undefined)[] = [];
    let acquired = false;
    const pending = acquireRootLock(r, { onWait: (h) => seen.push(h?.pid) }).then((l) => {
      acquired = true;
      return l;
    });
    await new Promise((res) => setTimeout(res, 300));
    expect(acquired).toBe(false);
    expect(seen).toEqual([holder.pid]);
    holder.stdin?.end();
    const lock = await pending;
    expect(readLockHolder(r)?.pid).toBe(process.pid);
    lock.release();
  });

  it('a holder killed with SIGKILL releases the lock to a waiting process', async () => {
    const r = root();
    const holder = spawnFixture('lock-holder.ts', [r, 'hold']);
    cleanups.push(() => holder.kill('SIGKILL'));
    await lineMatching(holder, /^locked$/);
    const waiter = spawnFixture('lock-holder.ts', [r, 'wait']);
    cleanups.push(() => waiter.kill('SIGKILL'));
    expect(await lineMatching(waiter, /^waiting /)).toBe(`waiting ${holder.pid} lock-holder hold`);
    holder.kill('SIGKILL');
    const done = await finished(waiter);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('locked');
  });

  it('a process started by the holder does not keep the lock after the holder releases it', async () => {
    const r = root();
    const lock = await acquireRootLock(r);
    // A long-running trigger, say: the lock descriptor is close-on-exec, so it is not inherited.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => sleeper.kill('SIGKILL'));
    lock.release();
    const other = await finished(spawnFixture('lock-holder.ts', [r, 'try']));
    expect(other.code, other.stdout + other.stderr).toBe(0);
    expect(other.stdout).toBe('locked\n');
  });

  it('gives up waiting when the signal aborts, and leaves the lock usable', async () => {
    const r = root();
    const first = await acquireRootLock(r);
    const ac = new AbortController();
    const pending = acquireRootLock(r, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('timed out')), 100);
    await expect(pending).rejects.toThrow('timed out');
    first.release();
    const again = await acquireRootLock(r, { wait: false });
    again.release();
  });
});

describe('root lock beside the original moss and readers', () => {
  it('waits while the original moss holds its .moss/.moss-lockfile', async () => {
    const r = root();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${r}/.moss`, { recursive: true });
    // The original's lock, held the way it holds it: flock(LOCK_EX) on .moss/.moss-lockfile.
    const original = spawn(
      'sh',
      ['-c', `exec 9>>'${r}/.moss/.moss-lockfile' && flock -x 9 && echo held && exec sleep 30`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => original.kill('SIGKILL'));
    await lineMatching(original, /^held$/);
    const err = await acquireRootLock(r, { wait: false }).catch((e: unknown) => e);
    expect(hasCode(err, 'SYSTEM_LOCKED')).toBe(true);
    expect((err as Error).message).toContain('.moss-lockfile');
    let waited = false;
    const taking = acquireRootLock(r, { onWait: () => (waited = true) });
    await new Promise((res) => setTimeout(res, 300));
    original.kill('SIGKILL');
    const lock = await taking;
    expect(waited).toBe(true);
    lock.release();
  });

  it('a shared lock waits for a writer but not for another reader, and writes nothing', async () => {
    const r = root();
    const writer = await acquireRootLock(r, { command: 'moss install nano' });
    const lockText = readFileSync(rootLockPath(r), 'utf8');
    let waitedFor: unknown;
    const reading = acquireSharedRootLock(r, { onWait: (h) => (waitedFor = h) });
    await new Promise((res) => setTimeout(res, 300));
    expect(waitedFor).toMatchObject({ pid: process.pid, command: 'moss install nano' });
    writer.release();
    const reader = await reading;
    // A second reader goes straight through; a writer that will not wait is refused.
    const second = await acquireSharedRootLock(r, { wait: false });
    expect(hasCode(await acquireRootLock(r, { wait: false }).catch((e: unknown) => e), 'SYSTEM_LOCKED')).toBe(
      true,
    );
    second.release();
    reader.release();
    expect(lockText).toContain('moss install nano');
    expect(readFileSync(rootLockPath(r), 'utf8')).toBe('');
  });

  it('a shared lock on a root nothing ever locked creates nothing', async () => {
    const r = root();
    const lock = await acquireSharedRootLock(r);
    lock.release();
    expect(existsSync(`${r}/.moss`)).toBe(false);
  });
});
