import { SerpentError } from '@serpent/errors';

/** Stable codes of every failure this package reports. Published codes are never reused. */
export type StateExportErrorCode =
  | 'LOCK_UNREADABLE'
  | 'LOCK_BAD_JSON'
  | 'LOCK_INVALID'
  | 'LOCK_UNSUPPORTED_VERSION'
  | 'LOCK_INCONSISTENT'
  | 'LOCK_MISMATCH'
  | 'LOCK_UNAVAILABLE'
  | 'MODEL_UNREADABLE'
  | 'MODEL_BAD_YAML'
  | 'MODEL_INVALID'
  | 'MODEL_UNSUPPORTED_VERSION';

const HINTS: Record<StateExportErrorCode, string> = {
  LOCK_UNREADABLE: 'give the path of a lock (`moss state export -o FILE` writes one)',
  LOCK_BAD_JSON: 'the lock file is not JSON; write it again with `moss state export -o FILE`',
  LOCK_INVALID: 'fix the named field, or write the lock again with `moss state export -o FILE`',
  LOCK_UNSUPPORTED_VERSION: 'this moss reads lock version 1; export the lock again with this moss',
  LOCK_INCONSISTENT:
    'the lock does not describe a working system (edited by hand?); export it again from a system that has it',
  LOCK_MISMATCH:
    'a hash in the lock names another package than the lock says; export it again instead of editing it',
  LOCK_UNAVAILABLE:
    'the named packages are in no repository index, not in the download cache, and no longer at their locked URL; add a repository that still has them, or export a new lock',
  MODEL_UNREADABLE: 'give the path of a system model (`moss state export --model -o FILE` writes one)',
  MODEL_BAD_YAML: 'fix the YAML syntax at the named line',
  MODEL_INVALID: 'fix the named field; `moss state export --model` writes a valid model to start from',
  MODEL_UNSUPPORTED_VERSION: 'this moss reads system model version 1',
};

export class StateExportError extends SerpentError {
  override readonly code: StateExportErrorCode;
  constructor(
    code: StateExportErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
    hint: string = HINTS[code],
  ) {
    super(code, message, { hint, details, ...(cause === undefined ? {} : { cause }) });
    this.code = code;
  }
}
