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
  const n = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: n }, (_, c) => Math.max(...rows.map((r) => visibleLength(r[c] ?? ''))));
  return `${rows
    .map(
      (r) =>
        indent +
        r
          .map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c]! - visibleLength(cell))))
          .join('  ')
          .trimEnd(),
    )
    .join('\n')}\n`;
}

const ANSI = /\x1b\[[0-9;]*m/g;
export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}
