import { createRequire } from 'node:module';

type Libc = {
  signal: (sig: number, handler: number) => number;
  tcsetpgrp: (fd: number, pgrp: number) => number;
  getpgrp: () => number;
  isatty: (fd: number) => number;
};

let libc: Libc | null | undefined;
const SIGTTOU = 22;
const SIG_IGN = 1;

/** libc through koffi (Node has no tcsetpgrp), or null where koffi cannot load it. */
function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    libc = {
      // sighandler_t is a pointer; on every Linux ABI it travels like an intptr_t.
      signal: lib.func('intptr_t signal(int, intptr_t)') as Libc['signal'],
      tcsetpgrp: lib.func('int tcsetpgrp(int, int)') as Libc['tcsetpgrp'],
      getpgrp: lib.func('int getpgrp()') as Libc['getpgrp'],
      isatty: lib.func('int isatty(int)') as Libc['isatty'],
    };
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * Makes this process's group the terminal's foreground group again (when stdin is a terminal),
 * so Ctrl-C reaches it and reading the terminal does not stop it. SIGTTOU is ignored for the
 * call: a background group asking for the terminal is otherwise stopped by it. Returns whether
 * the terminal is ours (false: no terminal, or no way to call libc).
 */
export function reclaimTerminal(): boolean {
  const c = load();
  if (c === null) return false;
  if (c.isatty(0) !== 1) return false;
  const old = c.signal(SIGTTOU, SIG_IGN);
  try {
    return c.tcsetpgrp(0, c.getpgrp()) === 0;
  } finally {
    c.signal(SIGTTOU, old);
  }
}
