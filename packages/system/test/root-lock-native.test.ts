// The root lock on a system without util-linux's flock(1) (the single-executable moss in an
// otherwise empty root): flock(2) through koffi takes over, with the same exclusion.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireRootLock, readLockHolder } from '../src/lock/root-lock.js';

const empty = mkdtempSync(join(tmpdir(), 'no-flock-bin-'));
const root = mkdtempSync(join(tmpdir(), 'no-flock-root-'));
const PATH = process.env.PATH;
beforeAll(() => {
  // No directory on PATH holds flock(1): spawning it fails with ENOENT.
  process.env.PATH = empty;
});
afterEach(() => {
  process.env.PATH = empty;
});
afterAll(() => {
  process.env.PATH = PATH;
  rmSync(empty, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('root lock without flock(1)', () => {
  it('takes the lock through flock(2), refuses a second holder, and waits for the first', async () => {
    const first = await acquireRootLock(root, { command: 'moss install a' });
    expect(readLockHolder(root)).toMatchObject({ pid: process.pid, command: 'moss install a' });

    const refused = await acquireRootLock(root, { wait: false, command: 'moss install b' }).catch((e) => e);
    expect(hasCode(refused, 'SYSTEM_LOCKED')).toBe(true);
    expect((refused as Error).message).toContain('moss install a');

    let waited = false;
    const second = acquireRootLock(root, {
      command: 'moss install c',
      onWait: () => {
        waited = true;
      },
    });
    await new Promise((r) => setTimeout(r, 250));
    first.release();
    const lock = await second;
    expect(waited).toBe(true);
    expect(readLockHolder(root)).toMatchObject({ command: 'moss install c' });
    lock.release();
  });

  it('stops waiting when the signal aborts', async () => {
    const held = await acquireRootLock(root);
    const ac = new AbortController();
    const waiting = acquireRootLock(root, { signal: ac.signal }).catch((e) => e);
    setTimeout(() => ac.abort(new Error('gave up')), 150);
    expect(((await waiting) as Error).message).toBe('gave up');
    held.release();
  });
});
