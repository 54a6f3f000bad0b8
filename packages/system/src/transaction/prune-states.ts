import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TransactionError } from '../transaction-error.js';
import { refreshBoot } from './apply-state.js';
import type { Installation } from './installation.js';
import { type EventSink, phase } from './transaction-event.js';
import { spareTrees } from './tree-spares.js';

export interface PrunePlan {
  /** States to remove, oldest first. */
  readonly states: readonly { readonly id: number; readonly summary?: string; readonly created: Date }[];
}

export interface PruneResult {
  readonly statesRemoved: number;
  /**
   * Archived trees of states kept that were beyond `keep-trees` (made again if their state is
   * activated), and a tree an interrupted transaction left: disk given back, and no tree left
   * that names packages this prune removes.
   */
  readonly treesRemoved: number;
  readonly packagesRemoved: number;
  readonly assetsRemoved: number;
  readonly downloadsRemoved: number;
  /** Bytes given back to the filesystem: assets and downloads whose last link went. */
  readonly bytesFreed: number;
}

/**
 * The states `state prune --keep N` removes: every state but the active one, oldest first,
 * beyond the newest `keep - 1` (the active state counts towards `keep`, as in the original).
 * With `ids`, exactly those (`state remove`); the active state is refused.
 */
export function planPrune(
  inst: Installation,
  options: { keep?: number; ids?: readonly number[] },
): PrunePlan {
  const active = inst.activeStateId();
  const all = inst.dbs.state.listStates();
  if (options.ids) {
    for (const id of options.ids) {
      if (id === active) {
        throw new TransactionError(
          'TX_STATE_ACTIVE',
          `state ${id} is the active state and cannot be removed`,
          {
            hint: 'activate another state first (`moss state activate ID`)',
            details: { state: id },
          },
        );
      }
      if (!all.some((s) => s.id === id)) {
        throw new TransactionError('TX_STATE_UNKNOWN', `there is no state ${id}`, {
          hint: '`moss state list` shows the states there are',
        });
      }
    }
    return { states: all.filter((s) => options.ids!.includes(s.id)).sort((a, b) => a.id - b.id) };
  }
  const keep = Math.max(1, options.keep ?? 10);
  const others = all.filter((s) => s.id !== active).sort((a, b) => a.id - b.id);
  return { states: others.slice(0, Math.max(0, others.length - (keep - 1))) };
}

function fileSize(path: string): number {
  try {
    const st = statSync(path);
    return st.nlink <= 1 ? st.size : 0;
  } catch {
    return 0;
  }
}

/** What one sweep of files nothing references freed. */
interface Sweep {
  assetsRemoved: number;
  downloadsRemoved: number;
  bytesFreed: number;
}

/**
 * Deletes every asset no layout row uses and every download (and leftover `.part`) of a package
 * the install DB does not know, with the directories that empty. Files only: it removes
 * nothing a row names, so it is safe at any moment under the root lock.
 */
async function sweepUnreferenced(inst: Installation): Promise<Sweep> {
  const gc = await inst.store.collectGarbage(inst.dbs.layout.referencedHashes());
  const known = new Set(
    inst.dbs.install.listPackages().flatMap((p) => (p.meta.packageHash ? [p.meta.packageHash] : [])),
  );
  let downloadsRemoved = 0;
  let bytesFreed = gc.bytesFreed;
  // Returns whether the directory is empty now, so its parent can remove it.
  const walk = (dir: string): boolean => {
    let left = 0;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) {
        if (walk(p)) rmdirSync(p);
        else left++;
      } else if (d.name.endsWith('.part') || !known.has(d.name)) {
        // A .part is a download that never finished: prune runs under the root lock, so no
        // fetch is writing it.
        bytesFreed += fileSize(p);
        rmSync(p, { force: true });
        downloadsRemoved++;
      } else left++;
    }
    return left === 0;
  };
  if (existsSync(inst.layout.downloadsDir)) walk(inst.layout.downloadsDir);
  return { assetsRemoved: gc.removed, downloadsRemoved, bytesFreed };
}

/**
 * Removes the planned states: their rows and archived trees (and the trees of kept states
 * beyond `keep-trees`, see tree-spares.ts), then every package no remaining
 * state selects (meta and layout rows), every asset no remaining layout uses and every cached
 * download of a package no longer known. Reports what it freed.
 *
 * It runs with an empty plan too: what a failed install left behind (downloads, assets, rows
 * of packages no state selects) is reclaimed whether or not states go. Files nothing references
 * are swept first, so on a full disk, which is when a failed install leaves most behind, the
 * database commits that follow have room for their journal. The database rows go before the
 * files they name, so a crash half-way leaves only unreferenced files, which the next prune
 * removes.
 */
export async function commitPrune(
  inst: Installation,
  plan: PrunePlan,
  options: { onEvent?: EventSink } = {},
): Promise<PruneResult> {
  return phase(options.onEvent, 'prune', async () => {
    const L = inst.layout;
    const first = await sweepUnreferenced(inst);
    const ids = plan.states.map((s) => s.id);
    if (ids.length > 0) inst.dbs.state.removeStates(ids);
    for (const id of ids) rmSync(join(L.rootsDir, String(id)), { recursive: true, force: true });
    const spares = await spareTrees(inst);
    for (const t of spares) rmSync(dirname(t.usr), { recursive: true, force: true });
    // A tree left by an interrupted run but without a ledger is of no use either.
    rmSync(dirname(L.spareUsr), { recursive: true, force: true });
    const stillSelected = new Set<string>();
    for (const s of inst.dbs.state.listStates()) {
      for (const sel of inst.dbs.state.getState(s.id)?.selections ?? []) stillSelected.add(sel.packageId);
    }
    const dead = inst.dbs.install
      .listPackages()
      .filter((p) => !stillSelected.has(p.id))
      .map((p) => p.id);
    const deadLayouts = inst.dbs.layout.packageIds().filter((id) => !stillSelected.has(id));
    if (deadLayouts.length > 0) inst.dbs.layout.removeLayouts(deadLayouts);
    if (dead.length > 0) inst.dbs.install.removePackages(dead);
    const second =
      ids.length > 0 || dead.length > 0 || deadLayouts.length > 0
        ? await sweepUnreferenced(inst)
        : { assetsRemoved: 0, downloadsRemoved: 0, bytesFreed: 0 };
    // Kernels and entries only the removed states used go too.
    if (ids.length > 0) await refreshBoot(inst, options.onEvent);
    return {
      statesRemoved: ids.length,
      treesRemoved: spares.length,
      packagesRemoved: new Set([...dead, ...deadLayouts]).size,
      assetsRemoved: first.assetsRemoved + second.assetsRemoved,
      downloadsRemoved: first.downloadsRemoved + second.downloadsRemoved,
      bytesFreed: first.bytesFreed + second.bytesFreed,
    };
  });
}
