import type { CommandIo } from './command-io.js';

export interface Progress {
  /** Sets the position (absolute), optionally the text after the bar and a new total. */
  update(position: number, text?: string, total?: number): void;
  /** Removes the bar and prints `line` (if any) in its place. */
  done(line?: string): void;
}

const WIDTH = 30;
// Redrawing costs a write per frame; 10 frames a second is smooth and, measured on the blit,
// below 0.1 % of the run.
const FRAME_MS = 100;

/**
 * A progress bar on stderr, drawn only on a terminal (`label |■■■■    | 1,234/5,000 text`).
 * Elsewhere it prints nothing but the final line, so logs and pipes stay clean.
 */
export function progressBar(
  io: CommandIo,
  label: string,
  initialTotal: number,
  unit: 'count' | 'bytes' = 'count',
): Progress {
  let total = initialTotal;
  let last = 0;
  let drawn = false;
  const fmt = (n: number) =>
    unit === 'bytes' ? `${(n / 1048576).toFixed(1)} MiB` : n.toLocaleString('en-US');
  const draw = (pos: number, text: string) => {
    const frac = total > 0 ? Math.min(1, pos / total) : 0;
    const fill = Math.round(frac * WIDTH);
    io.stderr(
      `\r\x1b[2K${label} |${'■'.repeat(fill)}${' '.repeat(WIDTH - fill)}| ${fmt(pos)}/${fmt(total)} ${text}`,
    );
    drawn = true;
  };
  return {
    update(position, text = '', newTotal) {
      if (newTotal !== undefined) total = newTotal;
      if (!io.isTty) return;
      const now = Date.now();
      if (now - last < FRAME_MS && position < total) return;
      last = now;
      draw(position, text);
    },
    done(line) {
      if (drawn) io.stderr('\r\x1b[2K');
      if (line !== undefined) io.stderr(`${line}\n`);
    },
  };
}
