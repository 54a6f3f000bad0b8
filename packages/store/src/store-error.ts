import { SerpentError } from '@serpent/errors';

/**
 * Stable codes of every failure the store reports. Published codes are never reused.
 * Every error names the store and, where it applies, the stone, the asset hash or the path.
 */
export type StoreErrorCode =
  /** A filesystem call on the store failed (permissions, disk full, ...). */
  | 'STORE_IO'
  /** A stone could not be read or did not verify; `details.stone` and, for content, the entry. */
  | 'STORE_BAD_STONE'
  /** Not a content digest (32 hex digits, or moss's unpadded asset name). */
  | 'STORE_BAD_HASH'
  /** The operation was cancelled through its AbortSignal. */
  | 'STORE_ABORTED'
  /** Garbage collection was asked for while a precache of the same store was running. */
  | 'STORE_BUSY';

const HINTS: Record<StoreErrorCode, string> = {
  STORE_IO: 'check the permissions and free space of the .moss directory, then run the command again',
  STORE_BAD_STONE:
    'the package is damaged; download or rebuild it (nothing of its damaged content was stored)',
  STORE_BAD_HASH: 'pass the XXH3-128 digest as 32 hex digits',
  STORE_ABORTED: 'the operation was cancelled; running it again resumes where it stopped',
  STORE_BUSY: 'wait for the running install to finish, then prune again',
};

export class StoreError extends SerpentError {
  override readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, { hint: HINTS[code], details, ...(cause === undefined ? {} : { cause }) });
    this.code = code;
  }
}
