import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { syncDirSync, writeFileAtomicSync } from '@serpent/durable';
import type { DirtyDirectory } from '@serpent/vfs';
import type { Selection, StateRepository } from '../db/state-db.js';
import { TransactionError } from '../transaction-error.js';

/**
 * The transaction in flight, written before anything outside `.moss` can change and removed
 * once the new state is recorded. Recovery never trusts the journal's idea of how far things
 * got: it reads `/usr/.stateID`, which the swap itself flips, so it is right whatever moment
 * the process died at.
 */
export interface Journal {
  readonly version: 1;
  /**
   * `new-state`: a staged tree made for selections; `activate`: an archived tree brought back;
   * `rebuild`: a state whose tree was recycled made again and brought back; `repair`: the
   * live state's tree made again.
   */
  readonly kind: 'new-state' | 'activate' | 'rebuild' | 'repair';
  /** The state the transaction makes live. */
  readonly targetId: number;
  /** The state live when it started (none on a fresh root). */
  readonly previousId: number | null;
  /** For `new-state`: the state to record once live. */
  readonly summary?: string;
  readonly selections?: readonly Selection[];
  /** For `new-state`: the repositories its packages were resolved against, recorded with it. */
  readonly repositories?: readonly StateRepository[];
  readonly startedAt: number;
  /**
   * Inode of the tree to be swapped in, written once it is complete. After a crash, `/usr`
   * having this inode is the proof that the swap happened.
   */
  readonly stagedInode?: number;
  /** `state activate --skip-triggers`. */
  readonly skipTriggers?: boolean;
  /**
   * Present when the staged tree is an existing tree being changed in place instead of one
   * built whole: what it held and which of its directories had been written to. With it, the
   * same change can be planned and applied again after a crash (recovery finishes it and keeps
   * the tree for the next transaction); without it, a staged tree is complete only if its
   * ledger says so, and is deleted otherwise.
   */
  readonly change?: {
    /** Where the tree was taken from (relative to the root), for the record. */
    readonly from: string;
    /** The packages whose layouts it held, sorted. */
    readonly packages: readonly string[];
    readonly dirty: readonly DirtyDirectory[];
    /** Layout rows of the selections the tree is changed into, for its ledger. */
    readonly rows: number;
  };
  /**
   * `initrd`: written by moss-fstx (`@serpent/boot`'s initrd helper) activating the state picked
   * in the boot menu. It follows the `activate` steps exactly, so recovery treats it as any other.
   */
  readonly origin?: 'initrd';
}

export function readJournal(path: string): Journal | undefined {
  if (!existsSync(path)) return undefined;
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  } catch (cause) {
    throw new TransactionError('TX_JOURNAL_INVALID', `the transaction journal ${path} cannot be read`, {
      cause,
      hint: 'it is written atomically, so this means outside damage; inspect it, then delete it and run `moss state verify --repair`',
      details: { path },
    });
  }
  if (j.version !== 1 || typeof j.targetId !== 'number') {
    throw new TransactionError(
      'TX_JOURNAL_INVALID',
      `the transaction journal ${path} is not one this moss wrote`,
      {
        details: { path },
        hint: 'inspect it, then delete it and run `moss state verify --repair`',
      },
    );
  }
  return j;
}

export function writeJournal(path: string, journal: Journal): void {
  writeFileAtomicSync(path, `${JSON.stringify(journal, null, 1)}\n`);
}

export function clearJournal(path: string): void {
  rmSync(path, { force: true });
  syncDirSync(dirname(path));
}
