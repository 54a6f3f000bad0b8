import { createRequire } from 'node:module';
import { TransactionError } from '../transaction-error.js';

// renameat2(2) has no Node binding. koffi (FFI with its binary shipped inside the npm package,
// nothing to compile) calls libc's wrapper; a raw syscall(316) is the fallback for a libc that
// lacks it (musl before 1.2.4), as the original does for musl.
const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;
const SYS_renameat2_x86_64 = 316;

type Renameat2 = (
  olddirfd: number,
  oldpath: string,
  newdirfd: number,
  newpath: string,
  flags: number,
) => number;
let bound: { renameat2: Renameat2; errno: () => number } | undefined;

function bind() {
  if (bound) return bound;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as typeof import('koffi');
  const libc = koffi.load('libc.so.6');
  let fn: Renameat2;
  try {
    fn = libc.func('int renameat2(int, const char *, int, const char *, unsigned int)') as Renameat2;
  } catch {
    const syscall = libc.func('long syscall(long, int, const char *, int, const char *, unsigned int)') as (
      ...a: unknown[]
    ) => number;
    fn = (a, b, c, d, e) => Number(syscall(SYS_renameat2_x86_64, a, b, c, d, e));
  }
  bound = { renameat2: fn, errno: () => koffi.errno() };
  return bound;
}

const ERRNO_NAMES: Record<number, string> = {
  2: 'ENOENT',
  18: 'EXDEV',
  22: 'EINVAL',
  38: 'ENOSYS',
  1: 'EPERM',
  13: 'EACCES',
  16: 'EBUSY',
};

/**
 * Atomically exchanges two paths with `renameat2(RENAME_EXCHANGE)`: after it, each name points
 * at what the other did, with no moment where either is missing. This is the one step that
 * turns a staged `/usr` into the live one. Both must be on one filesystem (EXDEV otherwise).
 */
export function exchangePaths(a: string, b: string): void {
  const { renameat2, errno } = bind();
  if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) === 0) return;
  const code = errno();
  const name = ERRNO_NAMES[code] ?? `errno ${code}`;
  throw new TransactionError('TX_SWAP_FAILED', `could not exchange ${a} and ${b}: ${name}`, {
    hint:
      name === 'EXDEV'
        ? 'the staging tree and /usr must be on one filesystem: keep <root>/.moss on the same filesystem as <root>/usr'
        : name === 'EINVAL' || name === 'ENOSYS'
          ? 'this filesystem or kernel does not support RENAME_EXCHANGE (Linux ≥ 3.15 on ext4, xfs, btrfs, tmpfs)'
          : 'check that both paths exist and are writable',
    details: { a, b, errno: code },
  });
}
