import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { finishSwap } from './apply-state.js';
import type { Installation } from './installation.js';
import { clearJournal, readJournal } from './journal.js';
import { settleStagedTree } from './stage-tree.js';
import { type EventSink, phase } from './transaction-event.js';

/**
 * Settles a transaction a crash interrupted. Whether the swap happened is read from the disk,
 * not from the journal: `/usr` has the staged tree's inode exactly when it did.
 * - Not swapped: roll back. An archived tree taken out for `state activate` goes back where it
 *   was. A staged tree whose in-place change was interrupted is finished and kept for the next
 *   transaction, a complete one is kept, a blit cut short is deleted (settleStagedTree; the
 *   journal says which). The root stays on the old state.
 * - Swapped: complete. Archive the old tree, record the state, run system triggers.
 * With no journal, a leftover staging dir is garbage from before and is removed.
 */
export async function recoverInterrupted(inst: Installation, onEvent?: EventSink): Promise<void> {
  const L = inst.layout;
  const j = readJournal(L.journal);
  if (j === undefined) {
    if (existsSync(L.staging)) rmSync(L.staging, { recursive: true, force: true });
    return;
  }
  await phase(onEvent, 'recover', async () => {
    const liveIno = existsSync(L.usr) ? statSync(L.usr).ino : undefined;
    const swapped = j.stagedInode !== undefined && liveIno === j.stagedInode;
    if (swapped) {
      await finishSwap(inst, j, onEvent);
      onEvent?.({ type: 'recovered', outcome: 'completed', stateId: j.targetId });
      return;
    }
    let tree: 'kept' | 'finished' | 'discarded' | undefined;
    if (j.kind === 'activate' && existsSync(L.stagingUsr)) {
      const back = L.stateUsr(j.targetId);
      mkdirSync(dirname(back), { recursive: true });
      renameSync(L.stagingUsr, back);
    } else if (j.kind === 'new-state' || j.kind === 'rebuild') {
      tree = await settleStagedTree(inst, j, onEvent);
    }
    rmSync(L.staging, { recursive: true, force: true });
    clearJournal(L.journal);
    onEvent?.({
      type: 'recovered',
      outcome: 'rolled-back',
      stateId: j.previousId,
      ...(tree === undefined ? {} : { tree }),
    });
  });
}
