import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The record beside an `install --to` tree (`DIR/.moss-usr-tree`) of which packages made
 * `DIR/usr` and which directories it has: what lets the next `install --to DIR` of the same
 * packages keep the tree instead of blitting it again (boulder sets up a build root this way
 * for every build). It lives beside the tree, not in it, so that writing it leaves `DIR/usr`
 * untouched, and its ctime is the tree's seal: a directory of the tree whose ctime is not
 * older was written to after the tree was made.
 */
export const TARGET_LEDGER = '.moss-usr-tree';

export interface TargetLedger {
  readonly version: 1;
  /** Ids of the packages whose layouts make the tree, sorted. */
  readonly packages: readonly string[];
  /** Entries of the tree (`/usr` excluded). */
  readonly entries: number;
  /** Every directory of the tree relative to `/usr`, sorted, `/usr` itself included as ''. */
  readonly dirs: readonly string[];
}

/** The ledger of `target`, and its seal (ctime, ms); undefined when absent or unreadable. */
export function readTargetLedger(target: string): { ledger: TargetLedger; sealedMs: number } | undefined {
  const path = join(target, TARGET_LEDGER);
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return undefined;
    const ledger = JSON.parse(readFileSync(path, 'utf8')) as TargetLedger;
    if (
      ledger?.version !== 1 ||
      !Array.isArray(ledger.packages) ||
      !Array.isArray(ledger.dirs) ||
      typeof ledger.entries !== 'number'
    )
      return undefined;
    return { ledger, sealedMs: st.ctimeMs };
  } catch {
    return undefined;
  }
}

/**
 * Writes the ledger under a temporary name, then renames it into place. Not fsynced: a ledger
 * lost to a crash only costs the next run a blit, and one that survives describes a tree the
 * syncfs before the exchange flushed.
 */
export function writeTargetLedger(target: string, ledger: TargetLedger): void {
  const path = join(target, TARGET_LEDGER);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(ledger));
  renameSync(temp, path);
}

/** Removes the ledger: `DIR/usr` is about to stop being what it says. */
export function dropTargetLedger(target: string): void {
  rmSync(join(target, TARGET_LEDGER), { force: true });
}

/**
 * Whether `DIR/usr` is still exactly the tree the ledger describes, for `packages` (sorted):
 * the same packages, and not one of its directories written to since the seal (an entry
 * added, removed, renamed or replaced changes its directory's ctime, which nobody can set
 * back). A file changed in place is a store asset changed in place: a new blit would link the
 * same damaged inode, and `moss state verify` is what finds it.
 */
export function keepsTree(target: string, packages: readonly string[]): TargetLedger | undefined {
  const found = readTargetLedger(target);
  if (found === undefined) return undefined;
  const { ledger, sealedMs } = found;
  if (ledger.packages.length !== packages.length || ledger.packages.some((p, i) => p !== packages[i]))
    return undefined;
  const usr = join(target, 'usr');
  for (const d of ledger.dirs) {
    const st = lstatSync(d === '' ? usr : `${usr}/${d}`, { throwIfNoEntry: false });
    if (st === undefined || !st.isDirectory() || st.ctimeMs >= sealedMs) return undefined;
  }
  return ledger;
}
