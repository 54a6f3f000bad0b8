import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { syncDirSync } from '@serpent/durable';
import { syncBootEntries } from '../boot/sync-boot-entries.js';
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
 * The journal of the initrd's moss-fstx (a state picked in the boot menu) is an `activate`
 * one and is settled the same way; once it finished, it leaves a marker instead, handled by
 * followBootActivation.
 */
export async function recoverInterrupted(inst: Installation, onEvent?: EventSink): Promise<void> {
  const L = inst.layout;
  const j = readJournal(L.journal);
  if (j === undefined) {
    if (existsSync(L.staging)) rmSync(L.staging, { recursive: true, force: true });
    await followBootActivation(inst, onEvent);
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
  // A marker from an earlier boot: the sync above (if any) already followed the live state,
  // doing it again is cheap and drops the marker.
  await followBootActivation(inst, onEvent);
}

/**
 * The initrd's moss-fstx made the state picked in the boot menu live and left
 * `.moss/boot-activation.json` (its finished journal). The trees and `.stateID` are settled by
 * then and an activation writes no database rows, so only the boot menu is behind: the live
 * state becomes its default. The marker is deleted only once that sync worked, so a failed sync
 * (an unmounted ESP) is retried by the next run instead of leaving the old default in place.
 */
async function followBootActivation(inst: Installation, onEvent?: EventSink): Promise<void> {
  const L = inst.layout;
  if (!existsSync(L.bootActivation)) return;
  const live = inst.activeStateId();
  let marker: { targetId?: unknown; previousId?: unknown } = {};
  try {
    marker = JSON.parse(readFileSync(L.bootActivation, 'utf8'));
  } catch {
    // Only the message below uses its contents; the disk says which state is live.
  }
  if (live !== undefined && marker.targetId === live) {
    const previousId = typeof marker.previousId === 'number' ? marker.previousId : null;
    onEvent?.({ type: 'activated-at-boot', stateId: live, previousId });
  }
  try {
    const r = await phase(onEvent, 'boot', () => syncBootEntries(inst, onEvent ? { onEvent } : {}));
    if (r?.status === 'skipped' && r.reason)
      onEvent?.({ type: 'warning', message: `boot entries not updated: ${r.reason}` });
  } catch (err) {
    onEvent?.({
      type: 'warning',
      message: `boot entries not updated after the boot-time rollback: ${(err as Error).message}; the next moss run tries again (or run \`moss boot sync\`)`,
    });
    return;
  }
  rmSync(L.bootActivation, { force: true });
  syncDirSync(L.moss);
}
