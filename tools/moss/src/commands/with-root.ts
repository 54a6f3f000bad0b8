import { type CommandContext, commandReport, flagSize, flagString, type Report } from '@serpent/cli';
import { openRoot, type Root, type RootEvent } from '@serpent/system';
import { rootEventRenderer } from '../render/root-events.js';

/** `-y`: the confirmation is answered yes. */
export const yes = (ctx: CommandContext) => ctx.globals['yes-all'] === true;

/**
 * Opens the root with the command's report as its event sink, runs `fn` and closes the root on
 * every path. MOSS_FAULT_KILL_AT=<event> (e.g. `phase-end:swap`) makes moss SIGKILL itself at
 * that event (`change-progress:<step>` for a step of an in-place change), for the crash tests: a real kill -9 at a point a timer could only hit by luck.
 */
export async function withRoot<T>(
  ctx: CommandContext,
  fn: (root: Root, report: Report<RootEvent>) => Promise<T>,
) {
  const report = commandReport(ctx, rootEventRenderer());
  const killAt = process.env.MOSS_FAULT_KILL_AT;
  // --max-index-size: every index this command fetches (repo add/update, sync --update).
  const globals = { flags: ctx.globals, positionals: [] };
  const maxIndexBytes = flagSize(globals, 'max-index-size', undefined, 'moss');
  // -D ROOT, or /.
  await using root = await openRoot(flagString(globals, 'directory') ?? '/', {
    command: `moss ${process.argv.slice(2).join(' ')}`,
    ...(maxIndexBytes === undefined ? {} : { maxIndexBytes }),
    onEvent: (e) => {
      report.event(e);
      if (!killAt) return;
      // `phase-end:swap`, `change-progress:create` (an in-place change's step), or a bare type.
      const key = 'phase' in e ? `${e.type}:${e.phase}` : 'step' in e ? `${e.type}:${e.step}` : e.type;
      if (key === killAt || (!('phase' in e) && e.type === killAt)) process.kill(process.pid, 'SIGKILL');
    },
  });
  return await fn(root, report);
}
