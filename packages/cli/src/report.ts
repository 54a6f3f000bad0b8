import type { CommandIo } from './command-io.js';
import { confirm } from './confirm.js';
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

/** How a list is shown: JSON rows, or text rows laid out as a table. */
export interface ListFormat<T> {
  readonly json: (item: T) => unknown;
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
  /** A line of the human result (stdout). Dropped with --json: the result carries the data. */
  line(text: string): void;
  /** A message about the work (stderr), e.g. `Refreshing volatile`. Dropped with --json. */
  note(text: string): void;
  /** A note shown only with `-v`. */
  detail(text: string): void;
  /** `warning: …` on stderr, or `{"warning": …}` with --json. */
  warn(message: string): void;
  /** The command's result: JSON on stdout with --json, else `text` (a string or made from the value). */
  result<T>(value: T, text?: string | ((value: T) => string)): void;
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
      if (!json) io.stdout(`${text}\n`);
    },
    note: (text) => {
      if (!json) io.stderr(`${text}\n`);
    },
    detail: (text) => {
      if (!json && verbose) io.stderr(`${text}\n`);
    },
    warn: (message) => (json ? ndjson({ warning: message }) : io.stderr(`warning: ${message}\n`)),
    result(value, text) {
      if (json) io.stdout(`${JSON.stringify(value, null, 2)}\n`);
      else if (text !== undefined) {
        const s = typeof text === 'function' ? text(value) : text;
        if (s !== '') io.stdout(s.endsWith('\n') ? s : `${s}\n`);
      }
    },
    list(items, format) {
      if (json) report.result(items.map(format.json));
      else if (items.length === 0) io.stderr(`${format.empty}\n`);
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
