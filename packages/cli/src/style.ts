/**
 * Colour only on a terminal and never when NO_COLOR is set (https://no-color.org): piped
 * output and logs stay plain text.
 */
export function style(enabled: boolean) {
  const on = enabled && !process.env.NO_COLOR;
  const wrap = (code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    bold: wrap('1'),
    dim: wrap('2'),
    red: wrap('31'),
    green: wrap('32'),
    yellow: wrap('33'),
    magenta: wrap('35'),
  };
}
