import { isSerpentError } from '@serpent/errors';
import type { CommandIo } from './command-io.js';
import { escapeControl } from './escape-control.js';

/** Exit statuses: stable, documented in the tools' READMEs. */
export const EXIT = {
  ok: 0,
  /** A SerpentError: the operation failed for a stated reason. */
  failure: 1,
  /** The command line was wrong. */
  usage: 2,
  /** The user declined the confirmation. */
  cancelled: 3,
  /** A bug: an unexpected exception. */
  internal: 70,
} as const;

/**
 * Prints an error the way both tools do: `error: message`, the hint, the cause chain, and with
 * `--json` one JSON object on stdout instead. Returns the exit status.
 */
export function renderError(err: unknown, io: CommandIo, options: { json?: boolean; tool: string }): number {
  if (isSerpentError(err)) {
    const status =
      err.code === 'USAGE' ? EXIT.usage : err.code === 'CANCELLED' ? EXIT.cancelled : EXIT.failure;
    if (options.json) {
      io.stdout(`${JSON.stringify({ error: err.toJSON() })}\n`);
      return status;
    }
    // Messages quote names and paths from packages and indexes: control characters are shown,
    // not obeyed (line breaks of multi-line messages stay).
    const safe = (text: string) => escapeControl(text, { keepNewlines: true });
    io.stderr(`error: ${safe(err.message)}\n`);
    // A wrapper often repeats its cause's words (`cannot fetch X: HTTP 404` over `HTTP 404`'s
    // own error, or the same message twice): a cause already said in full is not said again.
    const said = [err.message];
    let cause = (err as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      const text = cause.message;
      if (!said.some((s) => s.includes(text))) io.stderr(`  caused by: ${safe(text)}\n`);
      said.push(text);
      cause = (cause as { cause?: unknown }).cause;
    }
    if (err.hint) io.stderr(`hint: ${safe(err.hint)}\n`);
    return status;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  if (options.json) io.stdout(`${JSON.stringify({ error: { code: 'INTERNAL', message: e.message } })}\n`);
  io.stderr(
    `error: internal error in ${options.tool}: ${escapeControl(e.message, { keepNewlines: true })}\n${escapeControl(e.stack ?? '', { keepNewlines: true })}\n`,
  );
  io.stderr(`hint: this is a bug in ${options.tool}; please report it with the command you ran\n`);
  return EXIT.internal;
}
