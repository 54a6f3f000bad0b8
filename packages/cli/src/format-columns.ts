import { escapeControl } from './escape-control.js';

/**
 * Lays `items` out in as many columns as fit in `width`, filled column by column. Each item is
 * one cell on one line: its control characters (a line break included) are shown as escapes.
 */
export function formatColumns(list: readonly string[], width: number): string {
  if (list.length === 0) return '';
  const items = list.map((i) => escapeControl(i));
  const cell = Math.max(...items.map((i) => visibleLength(i))) + 3;
  const cols = Math.max(1, Math.floor(width / cell));
  const rows = Math.ceil(items.length / cols);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const line: string[] = [];
    for (let c = 0; c < cols; c++) {
      const item = items[c * rows + r];
      if (item === undefined) continue;
      line.push(item + ' '.repeat(Math.max(0, cell - visibleLength(item))));
    }
    out.push(line.join('').trimEnd());
  }
  return `${out.join('\n')}\n`;
}

/**
 * Aligns rows of cells into columns separated by two spaces. Each cell is shown on one line:
 * its control characters (a line break included) are shown as escapes, so a hostile name can
 * neither break the table nor drive the terminal.
 */
export function formatTable(table: ReadonlyArray<readonly string[]>, indent = ''): string {
  if (table.length === 0) return '';
  const rows = table.map((r) => r.map((cell) => escapeControl(cell)));
  // Each cell's width measured once: `moss list installed` lays out 1,560 rows of 3 cells.
  const lengths = rows.map((r) => r.map(visibleLength));
  const widths: number[] = [];
  for (const row of lengths) {
    for (let c = 0; c < row.length; c++) widths[c] = Math.max(widths[c] ?? 0, row[c]!);
  }
  return `${rows
    .map(
      (r, i) =>
        indent +
        r
          .map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c]! - lengths[i]![c]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n')}\n`;
}

const ANSI = /\x1b\[[0-9;]*m/g;
export function visibleLength(s: string): number {
  return s.includes('\x1b') ? s.replace(ANSI, '').length : s.length;
}
