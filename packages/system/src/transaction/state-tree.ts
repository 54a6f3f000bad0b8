import { buildTree, type VfsInput, type VfsTree } from '@serpent/vfs';
import type { Selection } from '../db/state-db.js';
import { TransactionError } from '../transaction-error.js';
import type { Installation } from './installation.js';

/** `name version-release`, how packages are named to people in conflicts and summaries. */
export function packageLabel(inst: Installation, id: string): string {
  const p = inst.dbs.install.getPackage(id);
  return p ? `${p.meta.name} ${p.meta.version}-${p.meta.release}` : id;
}

/**
 * The tree of a set of selections, from the layout DB. Pure past the query; every conflict
 * between packages is thrown here, before anything is written.
 */
export function buildStateTree(inst: Installation, selections: readonly Selection[]): VfsTree {
  // Packages in id order: the order decides which of two identical entries is kept and which
  // directory mode wins, and an in-place change reproduces exactly this order (change-plan.ts).
  const ids = [...new Set(selections.map((s) => s.packageId))].sort();
  // One query for every label (a getPackage per package was five queries each).
  const known = inst.dbs.install.labels(ids);
  const labels = new Map(ids.map((id) => [id, known.get(id) ?? id]));
  const seen = new Set<string>();
  // Streamed from the database straight into the builder (filesLast): materialising the rows
  // first held 400 MB of heap at once for a 357k-entry system (bench/transaction.bench.mjs).
  function* inputs(): Generator<VfsInput> {
    for (const [id, entry] of inst.dbs.layout.iterateLayoutsFilesLast(ids)) {
      seen.add(id);
      yield { pkg: labels.get(id) as string, entry };
    }
  }
  const tree = buildTree(inputs(), { filesLast: true });
  for (const id of ids) {
    // A package with no files (a metapackage) has no layout rows, only its meta row.
    if (seen.has(id) || inst.dbs.install.getPackage(id)) continue;
    throw new TransactionError(
      'TX_PACKAGE_UNKNOWN',
      `package ${labels.get(id)} has no layout in ${inst.layout.layoutDb}`,
      {
        hint: 'run `moss state verify --repair`, or install the package again',
        details: { package: id },
      },
    );
  }
  return tree;
}
