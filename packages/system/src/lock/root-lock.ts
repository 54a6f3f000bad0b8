import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SystemError } from '../system-error.js';
import { flockNative } from './flock-native.js';

/** Who holds a root lock, as the holder wrote it into the lock file. */
export interface LockHolder {
  readonly pid: number;
  /** What the holder runs, e.g. `moss install nano`. */
  readonly command: string;
  readonly since: Date;
}

export interface AcquireOptions {
  /** Wait for the holder to finish (default) or fail at once with `SYSTEM_LOCKED`. */
  readonly wait?: boolean;
  /** Called once, before waiting, with the holder (undefined if it has not said who it is yet). */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  /** Gives up waiting: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Written into the lock for others to read; defaults to this process's command line. */
  readonly command?: string;
}

export interface RootLock {
  readonly path: string;
  /** Releases the lock (idempotent). Exiting, even by SIGKILL, releases it too. */
  release(): void;
  [Symbol.dispose](): void;
}

/** `<root>/.moss/run/lock`. */
export function rootLockPath(root: string): string {
  return join(root, '.moss', 'run', 'lock');
}

/**
 * `<root>/.moss/.moss-lockfile`: the original moss's lock (an exclusive flock(2) it holds for
 * its whole run). We take it too, after our own, so the original and we never change one root
 * at the same time. It never holds our JSON: the original neither writes nor reads its content.
 */
export function originalLockPath(root: string): string {
  return join(root, '.moss', '.moss-lockfile');
}

/** Reads who holds the lock of `root`, or undefined when the file is empty or unreadable. */
export function readLockHolder(root: string): LockHolder | undefined {
  return parseHolder(rootLockPath(root));
}

function parseHolder(path: string): LockHolder | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as {
      pid?: unknown;
      command?: unknown;
      since?: unknown;
    };
    if (typeof data.pid !== 'number') return undefined;
    return {
      pid: data.pid,
      command: typeof data.command === 'string' ? data.command : '',
      since: new Date(typeof data.since === 'string' ? data.since : 0),
    };
  } catch {
    return undefined;
  }
}

function describe(holder: LockHolder | undefined): string {
  return holder === undefined
    ? 'another process'
    : `pid ${holder.pid} (${holder.command || 'unknown command'})`;
}

function defaultCommand(): string {
  const script = process.argv[1];
  return [script === undefined ? basename(process.argv0) : basename(script), ...process.argv.slice(2)].join(
    ' ',
  );
}

/**
 * Runs `flock(1)` on our own descriptor, passed to it as fd 3. A `flock(2)` lock belongs to the
 * open file description, which the child shares with us: when the child exits the lock stays,
 * held by our descriptor, and the kernel drops it when we close it or die (SIGKILL included).
 *
 * Why flock(1) rather than an FFI call or an addon: Node has no flock, and util-linux is on
 * every system moss runs on. It costs one short-lived process per acquire (≈ 3.5 ms measured
 * here), nothing per held second; a blocking wait runs in the child, so it neither blocks the
 * event loop nor ties up a libuv thread (as koffi's async call would) and can be cancelled by
 * killing the child. An FFI call is ≈ 1 µs but needs koffi loaded (10-14 ms): changes, which
 * load it anyway, take that path first (takeFlock).
 */
function runFlock(
  fd: number,
  wait: boolean,
  signal: AbortSignal | undefined,
  mode: '-x' | '-s' = '-x',
): Promise<'acquired' | 'busy'> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('flock', wait ? [mode, '3'] : ['-n', mode, '3'], {
        stdio: ['ignore', 'ignore', 'pipe', fd],
      });
    } catch (cause) {
      reject(cause);
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (cause) => {
      signal?.removeEventListener('abort', onAbort);
      reject(cause);
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (code === 0) resolve('acquired');
      else if (code === 1 && !wait) resolve('busy');
      else reject(new Error(`flock exited with ${code ?? sig}: ${stderr.trim()}`));
    });
  });
}

/**
 * flock(1) where util-linux has it, else flock(2) through koffi (flock-native.ts): the single
 * executable must manage a root with nothing else installed yet.
 *
 * An exclusive lock (a change) takes flock(2) through koffi first: a change loads koffi anyway
 * (renameat2, syncfs), and the two locks of a plan and the two of its commit were four flock(1)
 * processes, 17 ms here from a small process and ≈ 14 ms each in the profile of a one-package
 * install (forking a 150 MB heap), against 0.03 ms for four calls once koffi is loaded (10-14
 * ms). A shared lock (a listing, which loads no koffi) keeps flock(1).
 */
async function takeFlock(
  fd: number,
  wait: boolean,
  signal: AbortSignal | undefined,
  mode: '-x' | '-s' = '-x',
): Promise<'acquired' | 'busy'> {
  if (mode === '-x') {
    const state = await flockNative(fd, wait, signal);
    if (state !== undefined) return state;
  }
  try {
    return await runFlock(fd, wait, signal, mode);
  } catch (cause) {
    if ((cause as { code?: string }).code !== 'ENOENT') throw cause;
    const state = await flockNative(fd, wait, signal, mode === '-s');
    if (state === undefined) throw cause;
    return state;
  }
}

/**
 * Takes the exclusive lock of `root` (`<root>/.moss/run/lock`, then the original moss's
 * `<root>/.moss/.moss-lockfile`), so two processes, ours or the original, never change one root
 * at once. Waits by default, telling `onWait` who it waits for; with `wait: false`
 * it throws `SYSTEM_LOCKED` naming the holder.
 */
export async function acquireRootLock(root: string, options: AcquireOptions = {}): Promise<RootLock> {
  const path = rootLockPath(root);
  let fd: number;
  let originalFd: number | undefined;
  try {
    mkdirSync(join(root, '.moss', 'run'), { recursive: true });
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (cause) {
    throw new SystemError(
      'SYSTEM_LOCK_FAILED',
      `${path}: cannot open the lock file: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
  try {
    let state = await takeFlock(fd, false, undefined);
    if (state === 'busy') {
      const holder = await settledHolder(path);
      if (options.wait === false) {
        throw new SystemError('SYSTEM_LOCKED', `${root} is locked by ${describe(holder)}`, {
          path,
          ...(holder === undefined ? {} : { pid: holder.pid, command: holder.command }),
        });
      }
      options.onWait?.(holder);
      options.signal?.throwIfAborted();
      state = await takeFlock(fd, true, options.signal);
    }
    const info = {
      pid: process.pid,
      command: options.command ?? defaultCommand(),
      since: new Date().toISOString(),
    };
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${JSON.stringify(info)}\n`, 0);
    } catch (cause) {
      // A full disk must not stop the command that frees it (`moss state prune`): the lock is
      // held all the same, others only cannot say by whom.
      const code = (cause as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw cause;
    }
    originalFd = await takeOriginalLock(root, options);
  } catch (cause) {
    closeSync(fd);
    if (cause instanceof SystemError || cause === options.signal?.reason) throw cause;
    throw new SystemError(
      'SYSTEM_LOCK_FAILED',
      `${path}: cannot take the lock: ${(cause as Error).message}`,
      { path },
      {
        cause,
        ...((cause as { code?: string }).code === 'ENOENT'
          ? { hint: 'install util-linux, which provides flock(1)' }
          : {}),
      },
    );
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    // Empty the file first, so nobody reads our pid after we let go; closing drops the lock.
    try {
      ftruncateSync(fd, 0);
    } finally {
      if (originalFd !== undefined) closeSync(originalFd);
      closeSync(fd);
    }
  };
  return { path, release, [Symbol.dispose]: release };
}

/**
 * A shared lock of `root`, for a command that only reads: it waits while a process changes the
 * root (so what it reads is one state, not half of a transaction), but never for another
 * reader, and it writes nothing, so it works on a full disk or a read-only filesystem. Both
 * lock files are opened read-only; one that does not exist was never used, so there is
 * nothing to wait for.
 */
export async function acquireSharedRootLock(root: string, options: AcquireOptions = {}): Promise<RootLock> {
  const fds: number[] = [];
  const release = () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  try {
    for (const path of [rootLockPath(root), originalLockPath(root)]) {
      let fd: number;
      try {
        fd = openSync(path, constants.O_RDONLY);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw cause;
      }
      fds.push(fd);
      if ((await takeFlock(fd, false, undefined, '-s')) === 'busy') {
        const holder = path === rootLockPath(root) ? await settledHolder(path) : undefined;
        if (options.wait === false) {
          throw new SystemError('SYSTEM_LOCKED', `${root} is locked by ${describe(holder)}`, {
            path,
            ...(holder === undefined ? {} : { pid: holder.pid, command: holder.command }),
          });
        }
        options.onWait?.(holder);
        options.signal?.throwIfAborted();
        await takeFlock(fd, true, options.signal, '-s');
      }
    }
  } catch (cause) {
    release();
    if (cause instanceof SystemError || cause === options.signal?.reason) throw cause;
    throw new SystemError(
      'SYSTEM_LOCK_FAILED',
      `${root}: cannot take the shared lock: ${(cause as Error).message}`,
      { path: rootLockPath(root) },
      { cause },
    );
  }
  return { path: rootLockPath(root), release, [Symbol.dispose]: release };
}

/** Takes the original moss's lock beside ours, waiting for it as for ours. Returns its descriptor. */
async function takeOriginalLock(root: string, options: AcquireOptions): Promise<number> {
  const path = originalLockPath(root);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    if ((await takeFlock(fd, false, undefined)) === 'busy') {
      if (options.wait === false) {
        throw new SystemError(
          'SYSTEM_LOCKED',
          `${root} is locked by another process (the original moss's lock ${path})`,
          {
            path,
          },
        );
      }
      options.onWait?.(undefined);
      options.signal?.throwIfAborted();
      await takeFlock(fd, true, options.signal);
    }
    return fd;
  } catch (cause) {
    closeSync(fd);
    throw cause;
  }
}

/**
 * The holder writes its name just after it gets the lock, so a reader can catch the file empty
 * or still naming a previous, dead holder. Re-read briefly (≤ 100 ms) until it names a live pid.
 */
async function settledHolder(path: string): Promise<LockHolder | undefined> {
  let holder: LockHolder | undefined;
  for (let i = 0; i < 5; i++) {
    holder = parseHolder(path);
    if (holder !== undefined && isAlive(holder.pid)) return holder;
    await new Promise((r) => setTimeout(r, 20));
  }
  return holder;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
