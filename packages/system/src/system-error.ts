import { SerpentError } from '@serpent/errors';

/**
 * Stable codes of every failure of the system-root layer. Published codes are never reused.
 * Every error names the file (database or lock) it concerns in `details.path`.
 */
export type SystemErrorCode =
  | 'SYSTEM_LOCKED'
  | 'SYSTEM_LOCK_FAILED'
  | 'SYSTEM_NATIVE_ABI'
  | 'SYSTEM_DB_OPEN'
  | 'SYSTEM_DB_MIGRATION'
  | 'SYSTEM_DB_WRITE'
  | 'SYSTEM_DB_BAD_ROW'
  | 'SYSTEM_INVALID_INPUT';

const HINTS: Partial<Record<SystemErrorCode, string>> = {
  SYSTEM_LOCKED:
    'another moss or boulder process is changing this root; wait for it to finish, then try again',
  SYSTEM_NATIVE_ABI:
    'better-sqlite3 was built for another Node; run `pnpm install` in the repository (its postinstall, scripts/ensure-native.mjs, rebuilds it for the pinned Node)',
  SYSTEM_DB_OPEN: 'check that the root is writable and the database file is not damaged',
  SYSTEM_DB_MIGRATION: 'the database was written by a newer or foreign tool; move it aside to start afresh',
};

export class SystemError extends SerpentError {
  override readonly code: SystemErrorCode;
  constructor(
    code: SystemErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options: { cause?: unknown; hint?: string } = {},
  ) {
    const hint = options.hint ?? HINTS[code];
    super(code, message, {
      ...(hint === undefined ? {} : { hint }),
      details,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.code = code;
  }
}
