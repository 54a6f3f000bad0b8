import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file in each `/usr` tree moss makes that says which packages' layout the tree holds and
 * which directories it has: what lets a later transaction change this tree into another state's
 * instead of building one from nothing. It lives inside the tree, so it moves with it through
 * every rename and exchange (ours, the original moss's `state activate`, a boot-time rollback),
 * like `.stateID`. Its ctime is the tree's seal: a directory whose ctime is not older was
 * written to after the tree was made (transaction or system triggers, a person) and is brought
 * back to the layout before the tree is reused.
 */
export const LEDGER_FILE = '.moss-tree';

/** Names in `/usr` that belong to moss, not to any layout. */
export const TREE_FILES: ReadonlySet<string> = new Set(['.stateID', LEDGER_FILE]);

export interface TreeLedger {
  readonly version: 1;
  /** Ids of the packages whose layouts make the tree, sorted. */
  readonly packages: readonly string[];
  /** Their layout rows (the tree's size, for choosing between a change and a full build). */
  readonly rows: number;
  /** Every directory of the tree relative to `/usr`, sorted, `/usr` itself excluded. */
  readonly dirs: readonly string[];
}

/** A tree's ledger and its seal (ctime of the ledger file, ms); undefined if absent or unreadable. */
export function readLedger(usr: string): { ledger: TreeLedger; sealedMs: number } | undefined {
  const path = join(usr, LEDGER_FILE);
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return undefined;
    const ledger = JSON.parse(readFileSync(path, 'utf8')) as TreeLedger;
    if (
      ledger?.version !== 1 ||
      !Array.isArray(ledger.packages) ||
      !Array.isArray(ledger.dirs) ||
      typeof ledger.rows !== 'number'
    )
      return undefined;
    return { ledger, sealedMs: st.ctimeMs };
  } catch {
    return undefined;
  }
}

/**
 * Writes the ledger (a temporary name in the tree, then a rename). Not fsynced: the syncfs
 * before the swap (or recovery's) flushes it with the tree it describes.
 */
export function writeLedger(usr: string, ledger: TreeLedger): void {
  const path = join(usr, LEDGER_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(ledger));
  renameSync(temp, path);
}

/** Removes the ledger: the tree's content is no longer what it says (a change is under way). */
export function dropLedger(usr: string): void {
  rmSync(join(usr, LEDGER_FILE), { force: true });
}
