/**
 * Orders version strings the way systemd-boot orders entry versions (its
 * `strverscmp_improved`, reduced to what kernel and state versions use): numbers compare
 * numerically, letters lexically, a number is newer than letters at the same place, `~`
 * sorts before everything (even the end), and other separators only split segments.
 * Returns <0, 0 or >0 like a comparator for Array.prototype.sort (ascending).
 */
export function compareVersions(a: string, b: string): number {
  const ta = a.match(TOKEN) ?? [];
  const tb = b.match(TOKEN) ?? [];
  for (let i = 0; ; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined && y === undefined) return 0;
    if (x === '~' || y === '~') {
      if (x === y) continue;
      return x === '~' ? -1 : 1;
    }
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNum = DIGITS.test(x);
    const yNum = DIGITS.test(y);
    if (xNum !== yNum) return xNum ? 1 : -1;
    if (xNum) {
      const d = compareDigits(x, y);
      if (d !== 0) return d;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
}

const TOKEN = /~|\d+|[A-Za-z]+/g;
const DIGITS = /^\d/;

function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+/, '');
  const b = y.replace(/^0+/, '');
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
