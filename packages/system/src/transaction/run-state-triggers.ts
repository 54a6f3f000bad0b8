import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerPath } from '@serpent/triggers';
import type { VfsTree } from '@serpent/vfs';
import { TransactionError } from '../transaction-error.js';
import type { Installation } from './installation.js';
import type { EventSink } from './transaction-event.js';
import { TREE_FILES } from './tree-ledger.js';

function treePaths(tree: VfsTree): TriggerPath[] {
  const out: TriggerPath[] = [];
  for (const n of tree.walk()) {
    out.push({ path: `/usr/${n.path}`, type: n.kind === 'regular' ? 'file' : n.kind });
  }
  return out;
}

/**
 * Runs the triggers a `/usr` tree ships for one scope. Transaction triggers run against the
 * staging tree in a fresh namespace before the swap, and a failure aborts the transaction
 * (nothing live has changed yet, so refusing costs nothing; the original only printed it).
 * System triggers run after the swap, on the host only when the root is `/`; their failures
 * are warnings, since the new state is already live.
 */
export async function runStateTriggers(
  inst: Installation,
  scope: 'transaction' | 'system',
  usr: string,
  onEvent: EventSink | undefined,
  tree?: VfsTree,
  /** The root the triggers see (`install --to` runs them against its target); default the installation's. */
  root: string = inst.root,
): Promise<void> {
  const dir = join(usr, 'share', 'moss', 'triggers');
  if (!existsSync(dir)) return;
  // Loaded only when the tree has triggers: their schema validator is the heaviest module a
  // transaction would otherwise load (a tenth of the engine's start).
  const { collectCommands, loadTriggers, runTriggerCommands, triggerFailureError, walkTriggerPaths } =
    await import('@serpent/triggers');
  const loaded = await loadTriggers([dir]);
  for (const w of loaded.warnings) {
    onEvent?.({
      type: 'warning',
      message: `trigger file left out: ${w.message}`,
    });
  }
  const wanted = loaded.triggers.filter((t) => t.scope === scope);
  if (wanted.length === 0) return;
  // Without the tree in memory (an in-place change, a rollback, recovery), only the directories
  // the patterns can reach are read from disk: the commands are the same as over every path.
  const paths = tree ? treePaths(tree) : walkTriggerPaths(usr, wanted, TREE_FILES);
  const commands = collectCommands(wanted, paths, scope);
  if (commands.length === 0) return;
  const report = await runTriggerCommands(commands, {
    root,
    ...(scope === 'transaction' ? { stagingUsr: usr } : {}),
    onEvent: (e) => {
      if (e.type === 'start' && e.command.kind === 'run') {
        onEvent?.({ type: 'trigger', trigger: e.command.trigger, scope, argv: e.command.argv });
      } else if (e.type === 'output') {
        onEvent?.({
          type: 'trigger-output',
          trigger: e.command.trigger,
          stream: e.stream,
          text: e.chunk.toString('utf8'),
        });
      }
    },
  });
  const failure = triggerFailureError(report);
  if (!failure) return;
  if (scope === 'system') {
    onEvent?.({ type: 'warning', message: failure.message });
    return;
  }
  throw new TransactionError(
    'TX_TRIGGER_FAILED',
    `a transaction trigger failed, so nothing was changed: ${failure.message}`,
    {
      cause: failure,
      hint: 'the trigger output above says why; the system is still on its previous state',
    },
  );
}
