import { SerpentError } from '@serpent/errors';

/** Stable codes of every failure of a download. Published codes are never reused. */
export type FetchErrorCode =
  /** Not a file://, http:// or https:// URL. */
  | 'FETCH_BAD_URL'
  /** The source failed for good, or still failed after every retry; `details.reason` says why. */
  | 'FETCH_FAILED'
  /** The caller's signal fired. */
  | 'FETCH_ABORTED'
  /** More bytes than the expected size arrived. */
  | 'FETCH_SIZE_MISMATCH'
  /** The source is larger than the caller's limit (`maxBytes`): refused before or while reading. */
  | 'FETCH_TOO_LARGE'
  /** The bytes do not have the expected SHA-256. */
  | 'FETCH_HASH_MISMATCH'
  /** The file could not be written where it goes. */
  | 'FETCH_IO';

const HINTS: Partial<Record<FetchErrorCode, string>> = {
  FETCH_BAD_URL: 'give a file://, http:// or https:// URL',
  FETCH_FAILED: 'check the URL and the network, then retry',
  FETCH_SIZE_MISMATCH: 'the source is not what was promised; check the URL or where its size comes from',
  FETCH_TOO_LARGE: 'check the URL; if the source really is this large, raise the limit',
  FETCH_HASH_MISMATCH: 'the source is not what was promised; check the URL or where its hash comes from',
};

/** A failed download: `details` names the URL (and the file, the expected and actual values). */
export class FetchError extends SerpentError {
  override readonly code: FetchErrorCode;
  constructor(code: FetchErrorCode, message: string, details: Record<string, unknown>, cause?: unknown) {
    const hint = HINTS[code];
    super(code, message, { details, ...(hint ? { hint } : {}), ...(cause === undefined ? {} : { cause }) });
    this.code = code;
  }
}
