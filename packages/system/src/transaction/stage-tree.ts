import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomicSync } from '@serpent/durable';
import {
  type ApplyChangeResult,
  applyTreeChange,
  blit,
  type DirtyDirectory,
  finishTreeChange,
  type TreeChangePlan,
  type VfsTree,
} from '@serpent/vfs';
import type { Selection } from '../db/state-db.js';
import { type FilesystemSync, watchFilesystem } from '../fs/sync-filesystem.js';
import { planStateChange, prepareStateChange } from './change-plan.js';
import { type DirtyScan, scanDirtyDirectories } from './dirty-scan.js';
import type { Installation } from './installation.js';
import type { Journal } from './journal.js';
import { stateIdText } from './state-id.js';
import { buildStateTree } from './state-tree.js';
import { type EventSink, phase } from './transaction-event.js';
import { dropLedger, readLedger, writeLedger } from './tree-ledger.js';
import { chooseSpare, type SpareTree, spareTrees } from './tree-spares.js';

/**
 * The spare trees and the dirty scan of the likeliest one, started before the new packages are
 * stored (see commitPackages): the scan (29k lstats on a 357k-entry tree, about 0.1 s plus a
 * thread's start) then overlaps the precache and the database work instead of being waited for
 * at the end of planning. Nothing writes to a spare tree while the lock is held, so the scan
 * stays true until planStage uses it.
 */
export interface SpareScan {
  readonly spares: readonly SpareTree[];
  /** The spare scanned ahead, and its scan. */
  readonly usr: string | undefined;
  readonly dirty: DirtyScan | undefined;
}

/**
 * Starts a SpareScan for a change to `selections`. The spare scanned is the one with the fewest
 * packages to change (the database does not have the new packages' row counts yet, which
 * chooseSpare weighs); planStage scans another if it chooses another.
 */
export async function startSpareScan(
  inst: Installation,
  selections: readonly Selection[],
): Promise<SpareScan> {
  const spares = await spareTrees(inst);
  const target = new Set(selectedPackages(selections));
  let best: SpareTree | undefined;
  let bestDiff = Number.POSITIVE_INFINITY;
  for (const s of spares) {
    const had = new Set(s.ledger.packages);
    let diff = 0;
    for (const p of had) if (!target.has(p)) diff++;
    for (const p of target) if (!had.has(p)) diff++;
    if (diff < bestDiff) [best, bestDiff] = [s, diff];
  }
  const dirty = best && scanDirtyDirectories(best.usr, best.ledger.dirs, best.sealedMs);
  return { spares, usr: best?.usr, dirty };
}

/** How a transaction makes its new tree: built whole, or changed from a spare tree. */
export type StagePlan =
  | { readonly kind: 'blit'; readonly tree: VfsTree; readonly rows: number }
  | {
      readonly kind: 'change';
      readonly spare: SpareTree;
      readonly plan: TreeChangePlan;
      readonly dirty: readonly DirtyDirectory[];
      readonly rows: number;
    };

/** The package ids of selections, sorted: the order a full build reads them in. */
export function selectedPackages(selections: readonly Selection[]): string[] {
  return [...new Set(selections.map((s) => s.packageId))].sort();
}

/**
 * Decides how the new tree is made, and checks it, before anything is written. With a spare
 * tree close enough (see chooseSpare), the change is planned from the packages that change
 * (conflicts refused as a full build refuses them); otherwise, or when the plan says a symlink
 * others are placed through changes, the whole tree is built.
 */
export async function planStage(
  inst: Installation,
  selections: readonly Selection[],
  options: {
    onEvent?: EventSink | undefined;
    spares: boolean;
    tree?: VfsTree | undefined;
    /** Started by the caller before it stored the new packages (startSpareScan). */
    scan?: Promise<SpareScan> | undefined;
  },
): Promise<StagePlan> {
  const { onEvent } = options;
  const packages = selectedPackages(selections);
  if (options.spares && options.tree === undefined) {
    const planned = await phase(onEvent, 'plan', async () => {
      const early = await options.scan;
      const choice = chooseSpare(inst, packages, early?.spares ?? (await spareTrees(inst)));
      if (choice === undefined) return undefined;
      const { spare } = choice;
      // The spare is scanned for what was written to it since it was made on another thread,
      // while this one reads the databases and lays out both states' structure, then helps.
      const scanning =
        early?.dirty !== undefined && early.usr === spare.usr
          ? early.dirty
          : scanDirtyDirectories(spare.usr, spare.ledger.dirs, spare.sealedMs);
      const prepared = prepareStateChange(inst, spare.ledger.packages, packages);
      scanning.help();
      const dirty = await scanning.result;
      const plan = prepared.kind === 'rebuild' ? prepared : finishTreeChange(prepared, dirty);
      if (plan.kind === 'rebuild') {
        onEvent?.({ type: 'warning', message: `building the whole tree: ${plan.reason}` });
        return undefined;
      }
      return { kind: 'change' as const, spare, plan, dirty, rows: choice.targetRows };
    });
    if (planned !== undefined) return planned;
  }
  if (options.tree !== undefined)
    return { kind: 'blit', tree: options.tree, rows: countRows(inst, packages) };
  const built = await phase(onEvent, 'build', () => buildStateTree(inst, selections));
  return { kind: 'blit', tree: built, rows: countRows(inst, packages) };
}

function countRows(inst: Installation, packages: readonly string[]): number {
  let n = 0;
  for (const c of inst.dbs.layout.rowCounts(packages).values()) n += c;
  return n;
}

/** What the journal records of a staged change (for recovery to finish it). */
export function journalChange(inst: Installation, stage: StagePlan): Journal['change'] {
  if (stage.kind !== 'change') return undefined;
  return {
    from: relative(inst.root, stage.spare.usr),
    packages: stage.spare.ledger.packages,
    dirty: stage.dirty,
    rows: stage.rows,
  };
}

/**
 * Makes the new tree in `staging/usr`: the spare tree taken from where it was (its state, if it
 * had one, no longer has a tree) and changed in place, or a blit into an empty directory. Then
 * writes `.stateID` and the tree's ledger. The journal must be written before, and `staging`
 * must exist, empty.
 */
export async function stageTree(
  inst: Installation,
  stage: StagePlan,
  selections: readonly Selection[],
  targetId: number,
  onEvent: EventSink | undefined,
): Promise<void> {
  const L = inst.layout;
  let dirs: string[];
  if (stage.kind === 'change') {
    renameSync(stage.spare.usr, L.stagingUsr);
    removeIfEmpty(dirname(stage.spare.usr));
    dropLedger(L.stagingUsr);
    const result = await phase(onEvent, 'change', () => changeStaged(inst, stage.plan, onEvent));
    dirs = nextDirs(stage.spare.ledger.dirs, result);
  } else {
    await phase(onEvent, 'blit', () =>
      blit(stage.tree, L.stagingUsr, {
        store: inst.store.assetsDir,
        onProgress: (p) => onEvent?.({ type: 'blit-progress', done: p.done, total: p.total }),
      }),
    );
    dirs = [];
    for (const n of stage.tree.walk()) if (n.kind === 'directory') dirs.push(n.path);
  }
  // Digits only: the original moss parses the whole text as the id ("2\n" reads as no state).
  writeFileAtomicSync(join(L.stagingUsr, '.stateID'), stateIdText(targetId));
  writeLedger(L.stagingUsr, { version: 1, packages: selectedPackages(selections), rows: stage.rows, dirs });
}

function changeStaged(
  inst: Installation,
  plan: TreeChangePlan,
  onEvent: EventSink | undefined,
): Promise<ApplyChangeResult> {
  const L = inst.layout;
  return applyTreeChange(L.stagingUsr, plan, {
    store: inst.store.assetsDir,
    tempDir: L.staging,
    onProgress: (p) => onEvent?.({ type: 'change-progress', step: p.step, done: p.done, total: p.total }),
  });
}

/** The directory list of a tree after a change: minus those removed (and below), plus those made. */
function nextDirs(before: readonly string[], result: ApplyChangeResult): string[] {
  const removed = new Set(result.removedDirs);
  const gone = (d: string) => {
    for (let p = d; ; ) {
      if (removed.has(p)) return true;
      const slash = p.lastIndexOf('/');
      if (slash < 0) return false;
      p = p.slice(0, slash);
    }
  };
  const out = new Set(before.filter((d) => !gone(d)));
  for (const d of result.madeDirs) out.add(d);
  return [...out].sort();
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {}
}

/**
 * Recovery of a transaction that staged a tree and stopped before the swap. The journal says
 * which case it is: a tree changed in place whose change had not finished is finished (the same
 * plan applied again: each step tolerates having been done) and kept; a complete tree (its
 * ledger names the target's packages) is kept as it is; anything else (a blit cut short) is
 * deleted. A kept tree goes to `.moss/root/spare/usr`, where the next transaction finds it.
 */
export async function settleStagedTree(
  inst: Installation,
  j: Journal,
  onEvent: EventSink | undefined,
): Promise<'kept' | 'finished' | 'discarded' | undefined> {
  const L = inst.layout;
  if (!existsSync(L.stagingUsr)) return undefined;
  // Opened before the change is finished, so a writeback error of what it writes fails the flush.
  const sync = watchFilesystem(L.rootsDir);
  try {
    return await settle(inst, j, onEvent, sync);
  } finally {
    sync.close();
  }
}

async function settle(
  inst: Installation,
  j: Journal,
  onEvent: EventSink | undefined,
  sync: FilesystemSync,
): Promise<'kept' | 'finished' | 'discarded'> {
  const L = inst.layout;
  const packages = selectedPackages(j.selections ?? []);
  const ledger = readLedger(L.stagingUsr)?.ledger;
  const complete =
    ledger !== undefined &&
    ledger.packages.length === packages.length &&
    ledger.packages.every((p, i) => p === packages[i]);
  let outcome: 'kept' | 'finished' | 'discarded' = complete ? 'kept' : 'discarded';
  if (!complete && j.change !== undefined) {
    try {
      const plan = planStateChange(inst, j.change.packages, packages, j.change.dirty);
      if (plan.kind === 'change') {
        const result = await changeStaged(inst, plan, onEvent);
        const before = ledger === undefined ? [] : ledger.dirs;
        writeLedger(L.stagingUsr, {
          version: 1,
          packages,
          rows: j.change.rows,
          // The ledger was dropped when the change began: directories are listed again below.
          dirs: before.length > 0 ? nextDirs(before, result) : listDirs(L.stagingUsr),
        });
        outcome = 'finished';
      }
    } catch (err) {
      onEvent?.({
        type: 'warning',
        message: `the interrupted change of ${L.stagingUsr} could not be finished (${(err as Error).message}); it is deleted`,
      });
    }
  }
  if (outcome === 'discarded') {
    rmSync(L.staging, { recursive: true, force: true });
    return outcome;
  }
  rmSync(dirname(L.spareUsr), { recursive: true, force: true });
  mkdirSync(dirname(L.spareUsr), { recursive: true });
  renameSync(L.stagingUsr, L.spareUsr);
  // The kept tree and its ledger on disk before the journal that described them goes.
  await sync.flush();
  return outcome;
}

/** Every directory below `usr`, relative, sorted. */
function listDirs(usr: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(rel === '' ? usr : join(usr, rel), { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const p = rel === '' ? d.name : `${rel}/${d.name}`;
      out.push(p);
      walk(p);
    }
  };
  walk('');
  return out.sort();
}
