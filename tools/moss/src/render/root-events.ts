import type { Progress, Report } from '@serpent/cli';
import type { RootEvent } from '@serpent/system';

const BARS: Record<string, string> = {
  fetch: 'Fetching',
  precache: 'Precaching',
  blit: 'Blitting',
  change: 'Changing the spare tree',
};
/** What recovery did with the tree an interrupted transaction was making. */
const TREE: Record<string, string> = {
  kept: 'the tree it had made is kept for the next transaction',
  finished: 'the change of the tree it was making was finished, and the tree kept for the next transaction',
  discarded: 'the tree it was making was deleted',
};
const num = (n: number) => n.toLocaleString('en-US');
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/**
 * Draws a Root's events for a person (with --json the report writes them as NDJSON instead):
 * a bar for fetch, precache, blit and an in-place change on a terminal, the blit's rate, each phase's time under
 * -v, lock waits, recovery, trigger output and warnings.
 */
export function rootEventRenderer(): (e: RootEvent, report: Report<RootEvent>) => void {
  let bar: Progress | undefined;
  let blitTotal = 0;
  let changeTotal = 0;
  return (e, report) => {
    switch (e.type) {
      case 'waiting-for-lock':
        return report.note([
          `Waiting: another process holds this root${e.pid ? ` (pid ${e.pid}${e.command ? `: ${e.command}` : ''})` : ''}`,
        ]);
      case 'recovered':
        return report.note(
          e.outcome === 'completed'
            ? `Recovered: an interrupted transaction was completed; state ${e.stateId} is active`
            : `Recovered: an interrupted transaction was rolled back${e.stateId !== null ? `; state ${e.stateId} is still active` : ''}${e.tree ? `; ${TREE[e.tree]}` : ''}`,
        );
      case 'activated-at-boot':
        return report.note(
          `State ${e.stateId} was picked in the boot menu and is active${e.previousId !== null ? ` (it replaced state ${e.previousId})` : ''}; it is now the boot menu's default`,
        );
      case 'phase-start':
        if (BARS[e.phase]) bar = report.progress(BARS[e.phase]!, 1);
        return;
      case 'fetch-progress':
        return bar?.update(e.packagesDone, `packages, ${mib(e.bytesDone)}`, e.packages);
      case 'precache-progress':
        if (e.bytes > 0) bar?.update(e.stonesDone, `stones, ${mib(e.bytesDone)}`, e.stones);
        return;
      case 'blit-progress':
        blitTotal = e.total;
        return bar?.update(e.done, 'entries', e.total);
      case 'change-progress':
        changeTotal = e.total;
        return bar?.update(e.done, 'changes', e.total);
      case 'phase-end':
        bar?.done();
        bar = undefined;
        if (e.phase === 'blit' && blitTotal > 0) {
          const rate = Math.round(blitTotal / Math.max(e.ms, 1));
          report.note(
            `${num(blitTotal)} entries blitted in ${(e.ms / 1000).toFixed(2)}s (${num(rate)}k / s)`,
          );
        } else if (e.phase === 'change' && changeTotal > 0) {
          report.note(
            `${num(changeTotal)} entries changed in ${(e.ms / 1000).toFixed(2)}s (the rest of the tree reused)`,
          );
        } else report.detail(`${e.phase} done in ${e.ms} ms`);
        return;
      case 'trigger':
        return report.note([`Trigger ${e.trigger} (${e.scope}): ${e.argv.join(' ')}`]);
      case 'trigger-output':
        // One whole line per event (the engine cuts output at line ends), so each gets its
        // prefix and lines of stdout and stderr never interleave mid-line.
        if (report.verbose || e.stream === 'stderr')
          report.note([`  [${e.trigger}] ${e.text.replace(/\n$/, '')}`]);
        return;
      case 'repository-refreshing':
        return report.note(`Refreshing ${e.repo}`);
      case 'repository-refreshed':
        return report.line(
          `Refreshed ${e.repo}: ${e.packages} package(s)${e.notModified ? ' (unchanged)' : ''} in ${e.ms} ms`,
        );
      case 'retry':
        return report.warn(`retrying ${e.url} (attempt ${e.attempt}): ${e.reason}`);
      case 'warning':
        return report.warn(e.message);
      default:
        return;
    }
  };
}
