import type { CommandContext } from './command.js';
import type { CommandIo } from './command-io.js';
import { confirm } from './confirm.js';
import { escapeControl } from './escape-control.js';
import { formatTable } from './format-columns.js';
import { type Progress, progressBar } from './progress.js';

/** Anything a library reports through its event callback: typed by `type`. */
export interface ReportEvent {
  readonly type: string;
}

export interface ReportOptions<E extends ReportEvent = ReportEvent> {
  /** `--json`: results as JSON on stdout, events and warnings as NDJSON on stderr. */
  readonly json: boolean;
  /** `-v`: `detail` lines are shown too. */
  readonly verbose?: boolean;
  /** Draws a library event for a person (progress bars, one line per step); never called with --json. */
  readonly renderEvent?: (event: E, report: Report<E>) => void;
}

/**
 * Text for a person. A string is the command's own layout: its line breaks stay, every other
 * control character is shown as an escape. An array is lines, each shown whole: a line break
 * inside one (a file name, a summary) is shown as `\n`, so a value can never start a line that
 * looks like the tool's own. Values from packages, indexes and databases go in arrays of lines
 * or table cells, never into a string's layout.
 */
export type Text = string | readonly string[];

/**
 * Text as it reaches the terminal. Names, file names, summaries and trigger output come from
 * packages and indexes anyone can write: printed raw, a line break forges a line of our output
 * and an escape sequence drives the terminal (issue 14, C9). Every text the report writes goes
 * through here, so no command has to remember it; JSON needs nothing (`JSON.stringify`
 * escapes control characters itself).
 */
export function shownText(text: Text): string {
  return typeof text === 'string'
    ? escapeControl(text, { keepNewlines: true })
    : text.map((l) => escapeControl(l)).join('\n');
}

/** How a list is shown: JSON rows, or text rows laid out as a table. */
export interface ListFormat<T> {
  readonly json: (item: T) => unknown;
  /** The cells of its text row; each is shown on one line (see {@link formatTable}). */
  readonly row: (item: T) => readonly string[];
  /** Said (on stderr) when the list is empty, in text mode. */
  readonly empty: string;
}

/**
 * The one way a command talks to its user (Yarn's report): it says what to show once, and the
 * report writes it as text for a person or as JSON for a script. Commands never test `--json`
 * themselves.
 *
 * - text: results and lines on stdout; notes, warnings and drawn events on stderr.
 * - `--json`: the result is one JSON document on stdout (nothing else is); every event and
 *   warning is one NDJSON line on stderr (`{"event":…}`, `{"warning":…}`).
 */
export interface Report<E extends ReportEvent = ReportEvent> {
  readonly io: CommandIo;
  readonly json: boolean;
  readonly verbose: boolean;
  /** A line (or lines) of the human result (stdout). Dropped with --json: the result carries the data. */
  line(text: Text): void;
  /** A message about the work (stderr), e.g. `Refreshing volatile`. Dropped with --json. */
  note(text: Text): void;
  /** A note shown only with `-v`. */
  detail(text: Text): void;
  /** `warning: …` on stderr, or `{"warning": …}` with --json. */
  warn(message: string): void;
  /** The command's result: JSON on stdout with --json, else `text` (given or made from the value). */
  result<T>(value: T, text?: Text | ((value: T) => Text)): void;
  /** A list: a JSON array with --json, else a table of rows (or `empty`, when there are none). */
  list<T>(items: readonly T[], format: ListFormat<T>): void;
  /** A library event: NDJSON on stderr with --json, else drawn by the tool's renderEvent. */
  event(event: E): void;
  /** A progress bar, drawn on a terminal in text mode only. */
  progress(label: string, total: number, unit?: 'count' | 'bytes'): Progress;
  /** Asks before a change (`-y` answers); see {@link confirm}. */
  confirm(question: string, yes: boolean): Promise<void>;
}

const NO_PROGRESS: Progress = { update() {}, done() {} };

export function createReport<E extends ReportEvent = ReportEvent>(
  io: CommandIo,
  options: ReportOptions<E>,
): Report<E> {
  const { json } = options;
  const verbose = options.verbose === true;
  const ndjson = (value: unknown) => io.stderr(`${JSON.stringify(value)}\n`);
  const report: Report<E> = {
    io,
    json,
    verbose,
    line: (text) => {
      if (!json) io.stdout(`${shownText(text)}\n`);
    },
    note: (text) => {
      if (!json) io.stderr(`${shownText(text)}\n`);
    },
    detail: (text) => {
      if (!json && verbose) io.stderr(`${shownText(text)}\n`);
    },
    warn: (message) => (json ? ndjson({ warning: message }) : io.stderr(`warning: ${shownText(message)}\n`)),
    result(value, text) {
      if (json) io.stdout(`${JSON.stringify(value, null, 2)}\n`);
      else if (text !== undefined) {
        const s = shownText(typeof text === 'function' ? text(value) : text);
        if (s !== '') io.stdout(s.endsWith('\n') ? s : `${s}\n`);
      }
    },
    list(items, format) {
      if (json) report.result(items.map(format.json));
      else if (items.length === 0) io.stderr(`${shownText(format.empty)}\n`);
      else io.stdout(formatTable(items.map(format.row)));
    },
    event(event) {
      if (json) ndjson({ event });
      else options.renderEvent?.(event, report);
    },
    progress: (label, total, unit = 'count') => (json ? NO_PROGRESS : progressBar(io, label, total, unit)),
    confirm: (question, yes) => confirm(io, question, yes),
  };
  return report;
}

/** A command's report: `--json` and `-v` as its global flags say, events drawn by `renderEvent`. */
export function commandReport<E extends ReportEvent = ReportEvent>(
  ctx: CommandContext,
  renderEvent?: ReportOptions<E>['renderEvent'],
): Report<E> {
  return createReport<E>(ctx.io, {
    json: ctx.globals.json === true,
    verbose: ctx.globals.verbose === true,
    ...(renderEvent ? { renderEvent } : {}),
  });
}
