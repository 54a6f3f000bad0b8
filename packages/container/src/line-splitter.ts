/**
 * The longest line held back waiting for its end: a command writing a megabyte with no newline
 * (a progress display drawn with \r) is passed on in pieces of this size rather than held.
 */
const MAX_LINE = 64 * 1024;

/** Cuts one output stream into whole lines; see {@link lineSplitter}. */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Passes on what is left (a last line without its `\n`). */
  end(): void;
}

/**
 * Cuts one stream's chunks into whole lines, each with its `\n`, so that a display that
 * prefixes lines (a trigger's name, a build phase's margin) never splits one, never mixes two
 * streams mid-line, and never cuts a UTF-8 character in two (a line break is never inside
 * one). Lines longer than 64 KiB are passed on in pieces.
 */
export function lineSplitter(emit: (line: Buffer) => void): LineSplitter {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
        emit(data.subarray(0, nl + 1));
        data = data.subarray(nl + 1);
      }
      while (data.length > MAX_LINE) {
        emit(data.subarray(0, MAX_LINE));
        data = data.subarray(MAX_LINE);
      }
      // A copy: the chunk's buffer may be reused by the stream.
      pending = Buffer.from(data);
    },
    end() {
      if (pending.length > 0) emit(pending);
      pending = Buffer.alloc(0);
    },
  };
}
