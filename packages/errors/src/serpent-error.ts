/**
 * The one error class every serpent package throws.
 *
 * `code` is stable once published (never reused for another meaning), so programs and the
 * tools can branch on it; `hint` tells a person what to do next; `details` carries the
 * machine-readable facts (file, offset, record, package ...) that the message also states.
 * Only the command-line tools turn codes into exit statuses and text.
 */
export class SerpentError extends Error {
  override readonly name: string = 'SerpentError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): { code: string; message: string; hint?: string; details: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      details: { ...this.details },
    };
  }
}

/** True for any SerpentError, also one thrown by another copy of this package. */
export function isSerpentError(value: unknown): value is SerpentError {
  return (
    value instanceof SerpentError ||
    (value instanceof Error &&
      typeof (value as { code?: unknown }).code === 'string' &&
      (value as { name?: unknown }).name === 'SerpentError')
  );
}

/** True when `value` is a SerpentError whose code is `code`. */
export function hasCode(value: unknown, code: string): value is SerpentError {
  return isSerpentError(value) && value.code === code;
}
