import type { CommandContext } from '@serpent/cli';
import { type Installation, openInstallation } from '@serpent/system';
import { transactionRenderer } from '../render/transaction-renderer.js';

/** The root a command works on: `-D ROOT`, or `/`. */
export function rootOf(ctx: CommandContext): string {
  const d = ctx.globals.directory;
  return typeof d === 'string' ? d : '/';
}

/**
 * Opens the root (lock, databases, crash recovery) with the command's renderer, runs `fn`, and
 * always closes it, so the lock is released on every path.
 */
export async function withRoot<T>(
  ctx: CommandContext,
  fn: (inst: Installation, r: ReturnType<typeof transactionRenderer>) => Promise<T>,
): Promise<T> {
  const r = transactionRenderer(ctx.io, {
    json: ctx.globals.json === true,
    verbose: ctx.globals.verbose === true,
  });
  // Fault injection for the crash tests (e2e/test/moss-crash.test.ts): SIGKILL this very
  // process at an exact step, e.g. MOSS_FAULT_KILL_AT=phase-end:swap. A real kill -9, at a
  // point a timer could only hit by luck.
  const killAt = process.env.MOSS_FAULT_KILL_AT;
  if (killAt) {
    const render = r.onEvent;
    r.onEvent = (e) => {
      render(e);
      const key = 'phase' in e ? `${e.type}:${e.phase}` : 'step' in e ? `${e.type}:${e.step}` : e.type;
      if (key === killAt || (!('phase' in e) && e.type === killAt)) process.kill(process.pid, 'SIGKILL');
    };
  }
  const inst = await openInstallation(rootOf(ctx), {
    onEvent: r.onEvent,
    command: `moss ${process.argv.slice(2).join(' ')}`,
  });
  try {
    return await fn(inst, r);
  } finally {
    await inst.close();
  }
}
