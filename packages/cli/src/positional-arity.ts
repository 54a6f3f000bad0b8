/**
 * How many positional arguments a synopsis of plain placeholders takes: `NAME` one, `FILE...`
 * one or more, `[NAME]` at most one, `[ID...]` any number; a trailing `[-o DIR]` is an option
 * and counts for nothing. undefined for a synopsis that is not only placeholders (then the
 * command checks its own arguments).
 */
export function positionalArity(synopsis: string | undefined): { min: number; max: number } | undefined {
  if (synopsis === undefined) return undefined;
  const words = synopsis
    .replace(/\s*\[-[^\]]*\]\s*$/, '')
    .trim()
    .split(/\s+/);
  let min = 0;
  let max = 0;
  for (const w of words) {
    const m = /^(\[)?[A-Z][A-Z0-9_]*(\.\.\.)?(\])?$/.exec(w);
    if (!m || Boolean(m[1]) !== Boolean(m[3])) return undefined;
    if (!m[1]) min++;
    max = m[2] ? Number.POSITIVE_INFINITY : max + 1;
  }
  return { min, max };
}
