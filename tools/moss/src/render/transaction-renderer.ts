import { type CommandIo, type Progress, progressBar } from '@serpent/cli';
import type { TransactionEvent } from '@serpent/system';

const LABEL: Record<string, string> = {
  precache: 'Precaching',
  blit: 'Blitting',
  change: 'Changing the spare tree',
};

const TREE: Record<string, string> = {
  kept: 'the tree it had made is kept for the next transaction',
  finished: 'the change of the tree it was making was finished, and the tree kept for the next transaction',
  discarded: 'the tree it was making was deleted',
};

/**
 * Renders engine events: progress bars on a terminal, one line per finished phase with its
 * time under --verbose, warnings always. With --json every event is one NDJSON line on stderr
 * (scripts and the crash tests follow a transaction through them), so stdout holds only the
 * command's own JSON result.
 */
export function transactionRenderer(io: CommandIo, options: { json: boolean; verbose: boolean }) {
  let bar: Progress | undefined;
  let blitTotal = 0;
  let changeTotal = 0;
  const timings: Array<[string, number]> = [];
  const onEvent = (e: TransactionEvent) => {
    if (e.type === 'phase-end') timings.push([e.phase, e.ms]);
    if (options.json) {
      io.stderr(`${JSON.stringify({ event: e })}\n`);
      return;
    }
    switch (e.type) {
      case 'waiting-for-lock':
        io.stderr(
          `Waiting: another process holds this root${e.pid ? ` (pid ${e.pid}${e.command ? `: ${e.command}` : ''})` : ''}\n`,
        );
        break;
      case 'recovered':
        io.stderr(
          e.outcome === 'completed'
            ? `Recovered: an interrupted transaction was completed; state ${e.stateId} is active\n`
            : `Recovered: an interrupted transaction was rolled back${e.stateId !== null ? `; state ${e.stateId} is still active` : ''}${e.tree ? `; ${TREE[e.tree]}` : ''}\n`,
        );
        break;
      case 'phase-start':
        if (LABEL[e.phase]) bar = progressBar(io, LABEL[e.phase]!, 1);
        break;
      case 'precache-progress':
        if (bar && e.bytes > 0)
          bar.update(e.stonesDone, `stones, ${(e.bytesDone / 1048576).toFixed(1)} MiB`, e.stones);
        break;
      case 'blit-progress':
        blitTotal = e.total;
        bar?.update(e.done, 'entries', e.total);
        break;
      case 'change-progress':
        changeTotal = e.total;
        bar?.update(e.done, 'changes', e.total);
        break;
      case 'phase-end':
        bar?.done();
        bar = undefined;
        if (e.phase === 'blit' && blitTotal > 0) {
          io.stderr(
            `${blitTotal.toLocaleString('en-US')} entries blitted in ${(e.ms / 1000).toFixed(2)}s (${Math.round(blitTotal / Math.max(e.ms, 1)).toLocaleString('en-US')}k / s)\n`,
          );
        } else if (e.phase === 'change' && changeTotal > 0) {
          io.stderr(
            `${changeTotal.toLocaleString('en-US')} entries changed in ${(e.ms / 1000).toFixed(2)}s (the rest of the tree reused)\n`,
          );
        } else if (options.verbose) io.stderr(`${e.phase} done in ${e.ms} ms\n`);
        break;
      case 'trigger':
        io.stderr(`Trigger ${e.trigger} (${e.scope}): ${e.argv.join(' ')}\n`);
        break;
      case 'trigger-output':
        if (options.verbose || e.stream === 'stderr')
          io.stderr(e.text.replace(/^/gm, `  [${e.trigger}] `).replace(/ {2}\[[^\]]*\] $/, ''));
        break;
      case 'warning':
        io.stderr(`warning: ${e.message}\n`);
        break;
      default:
        break;
    }
  };
  return { onEvent: onEvent as (e: TransactionEvent) => void, timings };
}
