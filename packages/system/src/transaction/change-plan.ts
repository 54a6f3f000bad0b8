import {
  type DirtyDirectory,
  finishTreeChange,
  type KeptFiles,
  type OrderedInput,
  type PreparedTreeChange,
  prepareTreeChange,
  type TreeChangePlan,
  type TreeRebuild,
} from '@serpent/vfs';
import type { LayoutRow } from '../db/layout-db.js';
import type { Installation } from './installation.js';

/**
 * Plans the change of a tree holding the layouts of `from` into one holding those of `to`,
 * reading from the layout database only the packages that change, every directory and symlink
 * of both states (a few thousand rows for a whole system), and the kept packages' files where
 * the change touches them (by the path indexes): never the whole system's layout. The order of
 * every entry is the full build's (packages by id, then row id), so identical entries and
 * directory modes come out as a full build makes them.
 */
export function planStateChange(
  inst: Installation,
  from: readonly string[],
  to: readonly string[],
  dirty: readonly DirtyDirectory[],
): TreeChangePlan | TreeRebuild {
  const prepared = prepareStateChange(inst, from, to);
  return prepared.kind === 'rebuild' ? prepared : finishTreeChange(prepared, dirty);
}

/**
 * planStateChange up to what needs the dirty directories (`@serpent/vfs` prepareTreeChange):
 * the database reads and both states' structure, while the old tree is scanned elsewhere.
 */
export function prepareStateChange(
  inst: Installation,
  from: readonly string[],
  to: readonly string[],
): PreparedTreeChange | TreeRebuild {
  const db = inst.dbs.layout;
  const fromSet = new Set(from);
  const toSet = new Set(to);
  const kept = new Set(to.filter((p) => fromSet.has(p)));
  const removed = from.filter((p) => !toSet.has(p));
  const added = to.filter((p) => !fromSet.has(p));
  // The full build reads packages in id order: one rank over both states keeps each state's order.
  const rank = new Map([...new Set([...from, ...to])].sort().map((id, i) => [id, i]));
  // Names for conflict messages, of every package involved, in one query.
  const labels = inst.dbs.install.labels(rank.keys());
  const label = (id: string) => labels.get(id) ?? id;
  const input = (r: LayoutRow): OrderedInput => ({
    pkg: label(r.packageId),
    entry: r.entry,
    order: (rank.get(r.packageId) as number) * 2 ** 32 + r.id,
  });
  const changedRows = db.rowsOf([...removed, ...added]);
  const keptFiles: KeptFiles = {
    at: (paths) => db.filesAt(paths, kept).map(input),
    under: (dirs) => {
      const out: OrderedInput[] = [];
      for (const d of dirs) {
        for (const r of db.filesUnder(d, kept)) {
          out.push(input(r));
          break;
        }
      }
      return out;
    },
    within: (dirs) => {
      const out: OrderedInput[] = [];
      for (const d of dirs) {
        // `/usr` itself (always checked, the ledger is written there) has no range of its own
        // in the index; its kept files found on disk are read by path (`at`), so only one
        // deleted by hand from /usr itself would not come back (`state verify` reports it).
        if (d === '') continue;
        for (const r of db.filesUnder(d, kept)) {
          if (!r.entry.target.slice(d.length + 1).includes('/')) out.push(input(r));
        }
      }
      return out;
    },
  };
  return prepareTreeChange({
    keptStructure: db.structureOf(kept).map(input),
    removed: changedRows.filter((r) => fromSet.has(r.packageId)).map(input),
    added: changedRows.filter((r) => toSet.has(r.packageId)).map(input),
    kept: keptFiles,
  });
}
