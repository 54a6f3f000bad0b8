/** Lays `items` out in as many columns as fit in `width`, filled column by column. */
export function formatColumns(items: readonly string[], width: number): string {
  if (items.length === 0) return '';
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

/** Aligns rows of cells into columns separated by two spaces. */
export function formatTable(rows: ReadonlyArray<readonly string[]>, indent = ''): string {
  if (rows.length === 0) return '';
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
