import { SerpentError } from '@serpent/errors';

/** Stable codes of the transaction engine's own failures (never reused once published). */
export type TransactionErrorCode =
  | 'TX_ROOT_INVALID'
  | 'TX_SWAP_FAILED'
  | 'TX_NO_ACTIVE_STATE'
  | 'TX_STATE_UNKNOWN'
  | 'TX_STATE_ACTIVE'
  | 'TX_STATE_TREE_MISSING'
  | 'TX_PACKAGE_UNKNOWN'
  | 'TX_NOT_INSTALLED'
  | 'TX_STONE_UNAVAILABLE'
  | 'TX_TRIGGER_FAILED'
  | 'TX_JOURNAL_INVALID'
  /** `install --to`: the target is missing, is the installation root, or is on another filesystem. */
  | 'TX_TARGET_INVALID'
  /** `commit` of a plan made on another state: the root changed since (plan again). */
  | 'TX_PLAN_STALE'
  /** A plan request that asks for nothing, or for two kinds of change at once. */
  | 'TX_PLAN_INVALID'
  /** `commit` of a plan this Root did not make (or one already committed). */
  | 'TX_PLAN_UNKNOWN'
  /** A call on a Root after `close()`. */
  | 'TX_ROOT_CLOSED'
  /** `repo add` whose first fetch failed: the repository was taken out again. */
  | 'TX_REPOSITORY_NOT_ADDED'
  /** The filesystem could not write back what the transaction wrote (EIO, ENOSPC): nothing recorded. */
  | 'TX_SYNC_FAILED'
  /** A package name, version or architecture that cannot be used as part of a file name. */
  | 'TX_BAD_PACKAGE_NAME'
  /** A local file given to install is a stone, but an index or a build manifest. */
  | 'TX_NOT_A_PACKAGE';

export class TransactionError extends SerpentError {
  override readonly code: TransactionErrorCode;
  constructor(
    code: TransactionErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
    this.code = code;
  }
}
