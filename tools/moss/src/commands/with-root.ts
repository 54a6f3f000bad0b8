import { type CommandContext, createReport, flagSize, type Report } from '@serpent/cli';
import { openRoot, type Root, type RootEvent } from '@serpent/system';
import { rootEventRenderer } from '../render/root-events.js';

/** The root a command works on: `-D ROOT`, or `/`. */
export function rootOf(ctx: CommandContext): string {
  const d = ctx.globals.directory;
  return typeof d === 'string' ? d : '/';
}

/** The command's report: text or, with --json, JSON results and NDJSON events. */
export function reportOf(ctx: CommandContext): Report<RootEvent> {
  return createReport<RootEvent>(ctx.io, {
    json: ctx.globals.json === true,
    verbose: ctx.globals.verbose === true,
    renderEvent: rootEventRenderer(),
  });
}

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
  const report = reportOf(ctx);
  const killAt = process.env.MOSS_FAULT_KILL_AT;
  // --max-index-size: every index this command fetches (repo add/update, sync --update).
  const maxIndexBytes = flagSize(
    { flags: ctx.globals, positionals: [] },
    'max-index-size',
    undefined,
    'moss',
  );
  await using root = await openRoot(rootOf(ctx), {
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
