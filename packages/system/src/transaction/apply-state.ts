import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { syncDirSync } from '@serpent/durable';
import type { VfsTree } from '@serpent/vfs';
import { syncBootEntries } from '../boot/sync-boot-entries.js';
import type { Selection, StateRepository } from '../db/state-db.js';
import { exchangePaths } from '../fs/exchange-paths.js';
import { watchFilesystem } from '../fs/sync-filesystem.js';
import { TransactionError } from '../transaction-error.js';
import type { Installation } from './installation.js';
import { clearJournal, type Journal, writeJournal } from './journal.js';
import { runStateTriggers } from './run-state-triggers.js';
import { journalChange, planStage, type SpareScan, stageTree } from './stage-tree.js';
import { normalizeStateIdFile } from './state-id.js';
import { type EventSink, phase } from './transaction-event.js';

export { buildStateTree, packageLabel } from './state-tree.js';

/** `/bin → usr/bin` and friends, each replaced atomically only when wrong (as the original). */
const ROOT_LINKS: ReadonlyArray<readonly [string, string]> = [
  ['bin', 'usr/bin'],
  ['sbin', 'usr/sbin'],
  ['lib', 'usr/lib'],
  ['lib64', 'usr/lib'],
  ['lib32', 'usr/lib32'],
];
export function ensureRootLinks(root: string): void {
  for (const [name, target] of ROOT_LINKS) {
    const p = join(root, name);
    let current: string | undefined;
    try {
      current = readlinkSync(p);
    } catch {
      // missing, or not a symlink
    }
    if (current === target) continue;
    // A real directory (a host root) is never replaced.
    if (existsSync(p) && !lstatSync(p).isSymbolicLink()) continue;
    const next = `${p}.next`;
    rmSync(next, { force: true });
    symlinkSync(target, next);
    renameSync(next, p);
  }
}

/**
 * Completes a transaction whose swap has happened: archives the tree that was live (now in
 * staging) as its state's root, records the new state, runs system triggers and drops the
 * journal. Idempotent, so recovery after a crash anywhere in here just calls it again.
 */
/** The one atomic step: `renameat2(RENAME_EXCHANGE)` of staging/usr with the live /usr. */
async function swapStaging(inst: Installation, onEvent?: EventSink): Promise<void> {
  const L = inst.layout;
  await phase(onEvent, 'swap', () => {
    if (!existsSync(L.usr)) mkdirSync(L.usr, { mode: 0o755 });
    exchangePaths(L.stagingUsr, L.usr);
    syncDirSync(L.root);
  });
}

/**
 * `tree` is the live tree's vfs when the caller has it (a fresh transaction), so system
 * triggers match against it instead of walking the new /usr again.
 */
export async function finishSwap(
  inst: Installation,
  j: Journal,
  onEvent?: EventSink,
  tree?: VfsTree,
): Promise<void> {
  const L = inst.layout;
  if (existsSync(L.stagingUsr)) {
    if (j.kind === 'repair' || j.previousId === j.targetId) {
      rmSync(L.stagingUsr, { recursive: true, force: true });
    } else if (j.previousId !== null) {
      const dest = L.stateUsr(j.previousId);
      if (existsSync(dest)) rmSync(dest, { recursive: true, force: true });
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(L.stagingUsr, dest);
    } else if (readdirSync(L.stagingUsr).length === 0) {
      rmdirSync(L.stagingUsr);
    } else {
      // A /usr that moss did not make (first install over an existing system): kept, not lost.
      const dest = join(L.rootsDir, `unmanaged-${j.startedAt}`, 'usr');
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(L.stagingUsr, dest);
      onEvent?.({
        type: 'warning',
        message: `the previous /usr was not made by moss; it is kept in ${dest}`,
      });
    }
    syncDirSync(L.staging);
  }
  // Nothing is left in staging: it goes now, since reading calls (shared lock, read-only) no
  // longer settle the root and would otherwise find it there until the next change.
  if (existsSync(L.staging) && readdirSync(L.staging).length === 0) rmdirSync(L.staging);
  if (j.kind === 'activate') {
    // The target's archive dir is empty now that its usr is live.
    const dir = dirname(L.stateUsr(j.targetId));
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  }
  if (j.kind === 'new-state' && inst.dbs.state.getState(j.targetId) === undefined) {
    await phase(onEvent, 'record', () =>
      inst.dbs.state.addState({
        id: j.targetId,
        ...(j.summary === undefined ? {} : { summary: j.summary }),
        selections: (j.selections ?? []).map((s) => ({
          packageId: s.packageId,
          explicit: s.explicit,
          ...(s.reason ? { reason: s.reason } : {}),
        })),
        ...(j.repositories === undefined ? {} : { repositories: j.repositories }),
        created: new Date(j.startedAt),
      }),
    );
  }
  ensureRootLinks(L.root);
  if (!j.skipTriggers) {
    await phase(onEvent, 'system-triggers', () => runStateTriggers(inst, 'system', L.usr, onEvent, tree));
  }
  clearJournal(L.journal);
  await refreshBoot(inst, onEvent);
}

/**
 * After every change of the active state (and prune): the boot menu follows. The state is
 * already live and recorded, so a boot failure is a warning that says how to retry, never a
 * rollback.
 */
export async function refreshBoot(inst: Installation, onEvent?: EventSink): Promise<void> {
  try {
    const r = await phase(onEvent, 'boot', () => syncBootEntries(inst, onEvent ? { onEvent } : {}));
    if (r?.status === 'skipped' && r.reason)
      onEvent?.({ type: 'warning', message: `boot entries not updated: ${r.reason}` });
  } catch (err) {
    onEvent?.({
      type: 'warning',
      message: `boot entries not updated: ${(err as Error).message}; fix it, then run \`moss boot sync\``,
    });
  }
}

export interface ApplyOptions {
  readonly kind: 'new-state' | 'repair' | 'rebuild';
  readonly selections: readonly Selection[];
  readonly summary?: string;
  /** The repositories the selections were resolved against, recorded with the state. */
  readonly repositories?: readonly StateRepository[];
  readonly onEvent?: EventSink;
  /** A tree built beforehand (conflicts already checked); built from the selections otherwise. */
  readonly tree?: VfsTree;
  /** `rebuild`: the recorded state whose tree is made again. */
  readonly targetId?: number;
  /** `rebuild`: run no system triggers after the swap (`state activate --skip-triggers`). */
  readonly skipTriggers?: boolean;
  /** The spare trees' scan, started ahead by the caller (startSpareScan). */
  readonly scan?: Promise<SpareScan>;
}

/**
 * Makes `selections` the live `/usr`: a new tree is staged, either by changing a spare tree in
 * place (an archived tree beyond those kept ready, see tree-spares.ts) from the packages that
 * change, or by a blit of the whole tree; then the transaction triggers run against it in a
 * namespace, the filesystem is flushed, and it is swapped with the live `/usr` in one
 * `renameat2(RENAME_EXCHANGE)`. The live tree is never written to. The journal is written
 * before anything outside `.moss` changes and names the staged tree by inode, so a crash at any
 * moment is settled on the next open: before the swap it rolls back (finishing and keeping an
 * interrupted change, see settleStagedTree), after it it completes.
 * Returns the id of the state now live.
 */
export async function applyState(inst: Installation, options: ApplyOptions): Promise<number> {
  const { onEvent } = options;
  const L = inst.layout;
  const previousId = inst.activeStateId() ?? null;
  const targetId =
    options.kind === 'repair'
      ? previousId!
      : options.kind === 'rebuild'
        ? options.targetId!
        : inst.nextStateId();
  // A repair makes the live state's tree again from nothing: its point is a tree known good.
  const stage = await planStage(inst, options.selections, {
    onEvent,
    spares: options.kind !== 'repair',
    tree: options.tree,
    scan: options.scan,
  });
  const change = journalChange(inst, stage);
  const journal: Journal = {
    version: 1,
    kind: options.kind,
    targetId,
    previousId,
    ...(options.summary === undefined ? {} : { summary: options.summary }),
    selections: options.selections,
    ...(options.repositories === undefined ? {} : { repositories: options.repositories }),
    startedAt: Date.now(),
    ...(options.skipTriggers ? { skipTriggers: true } : {}),
    ...(change === undefined ? {} : { change }),
  };
  writeJournal(L.journal, journal);
  rmSync(L.staging, { recursive: true, force: true });
  mkdirSync(L.staging, { recursive: true });
  // Opened before the tree is made, so a writeback error of anything written to it fails the flush.
  const sync = watchFilesystem(L.staging);
  const tree = stage.kind === 'blit' ? stage.tree : undefined;
  try {
    await stageTree(inst, stage, options.selections, targetId, onEvent);
    await phase(onEvent, 'triggers', () =>
      runStateTriggers(inst, 'transaction', L.stagingUsr, onEvent, tree),
    );
    await phase(onEvent, 'sync', () => sync.flush());
  } finally {
    sync.close();
  }
  const swapping: Journal = { ...journal, stagedInode: statSync(L.stagingUsr).ino };
  writeJournal(L.journal, swapping);
  await swapStaging(inst, onEvent);
  await finishSwap(inst, swapping, onEvent, tree);
  return targetId;
}

/**
 * Makes an archived state live again (rollback): its tree is moved into staging and swapped in;
 * nothing is re-blitted. Only system triggers run, as the tree already had its transaction
 * triggers when it was made.
 */
export async function activateState(
  inst: Installation,
  id: number,
  options: { onEvent?: EventSink; skipTriggers?: boolean } = {},
): Promise<{ previousId: number | null }> {
  const { onEvent } = options;
  const L = inst.layout;
  if (inst.dbs.state.getState(id) === undefined) {
    throw new TransactionError('TX_STATE_UNKNOWN', `there is no state ${id} in ${L.root}`, {
      hint: '`moss state list` shows the states there are',
      details: { state: id },
    });
  }
  const previousId = inst.activeStateId() ?? null;
  if (previousId === id) {
    throw new TransactionError('TX_STATE_ACTIVE', `state ${id} is already the active state`, {
      details: { state: id },
    });
  }
  const archived = L.stateUsr(id);
  if (!existsSync(archived)) {
    // Its tree was recycled (or lost): made again from the databases and the store, as a new
    // state's is, under its own id.
    const state = inst.dbs.state.getState(id)!;
    await applyState(inst, {
      kind: 'rebuild',
      targetId: id,
      selections: state.selections,
      ...(onEvent ? { onEvent } : {}),
      ...(options.skipTriggers ? { skipTriggers: true } : {}),
    });
    return { previousId };
  }
  const journal: Journal = {
    version: 1,
    kind: 'activate',
    targetId: id,
    previousId,
    startedAt: Date.now(),
    stagedInode: statSync(archived).ino,
    ...(options.skipTriggers ? { skipTriggers: true } : {}),
  };
  rmSync(L.staging, { recursive: true, force: true });
  mkdirSync(L.staging, { recursive: true });
  // A tree archived by an earlier version of ours says "2\n", which the original cannot read.
  normalizeStateIdFile(archived);
  writeJournal(L.journal, journal);
  renameSync(archived, L.stagingUsr);
  await swapStaging(inst, onEvent);
  await finishSwap(inst, journal, onEvent);
  return { previousId };
}
