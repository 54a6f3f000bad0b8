import { createRequire } from 'node:module';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const EINTR = 4;
const EWOULDBLOCK = 11;
/** How often a blocked waiter tries again: a lock is held for a transaction, seconds at least. */
const POLL_MS = 100;

type Flock = (fd: number, op: number) => number;
let bound: { flock: Flock; errno: () => number } | null | undefined;

function bind() {
  if (bound !== undefined) return bound;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as typeof import('koffi');
    const flock = koffi.load('libc.so.6').func('int flock(int, int)') as Flock;
    bound = { flock, errno: () => koffi.errno() };
  } catch {
    bound = null;
  }
  return bound;
}

/**
 * flock(2) through koffi, for a system without util-linux's flock(1) (a single-executable moss
 * repairing a root that has nothing else yet). Non-blocking tries; a wait polls every 100 ms,
 * so it never blocks the event loop nor holds a thread, and stops when `signal` aborts.
 * Resolves undefined where koffi or libc's flock cannot be had.
 */
export async function flockNative(
  fd: number,
  wait: boolean,
  signal: AbortSignal | undefined,
  shared = false,
): Promise<'acquired' | 'busy' | undefined> {
  const b = bind();
  if (!b) return undefined;
  for (;;) {
    signal?.throwIfAborted();
    if (b.flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) === 0) return 'acquired';
    const errno = b.errno();
    if (errno === EINTR) continue;
    if (errno !== EWOULDBLOCK) {
      throw Object.assign(new Error(`flock(2) failed with errno ${errno}`), { errno });
    }
    if (!wait) return 'busy';
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
