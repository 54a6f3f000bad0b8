/**
 * How many positional arguments a synopsis of plain placeholders takes: `NAME` one, `FILE...`
 * one or more, `[NAME]` at most one, `[ID...]` any number; bracketed options (`[-o DIR]`,
 * `[--overwrite]`) count for nothing. undefined for a synopsis that is not only placeholders (then the
 * command checks its own arguments).
 */
export function positionalArity(synopsis: string | undefined): { min: number; max: number } | undefined {
  if (synopsis === undefined) return undefined;
  const words = positionalSynopsis(synopsis).split(/\s+/);
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

/** The synopsis without its bracketed options: `FILE... [-o DIR]` → `FILE...`. */
export function positionalSynopsis(synopsis: string): string {
  return synopsis
    .replace(/\[-[^\]]*\]/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}
