/** The fields of os-release(5) this package uses. */
export interface OsRelease {
  /** `ID=`: lower-case, used for file names and the entries' sort-key. */
  readonly id: string;
  /** `NAME=` */
  readonly name: string;
  /** `PRETTY_NAME=`, falling back to NAME. */
  readonly prettyName: string;
  /** `VERSION_ID=` when present. */
  readonly versionId: string | undefined;
}

/**
 * Parses os-release(5) text: `KEY=value` lines, `#` comments, values optionally quoted
 * with shell-style backslash escapes. Returns undefined when NAME or ID is missing, so the
 * caller can name the file in its error.
 */
export function parseOsRelease(text: string): OsRelease | undefined {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    fields.set(line.slice(0, eq).trim(), unquote(line.slice(eq + 1).trim()));
  }
  const name = fields.get('NAME');
  const id = fields.get('ID');
  if (name === undefined || name === '' || id === undefined || !/^[a-z0-9._-]+$/.test(id)) return undefined;
  return {
    id,
    name,
    prettyName: fields.get('PRETTY_NAME') || name,
    versionId: fields.get('VERSION_ID'),
  };
}

function unquote(value: string): string {
  const q = value[0];
  if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
    const inner = value.slice(1, -1);
    return q === '"' ? inner.replace(/\\([\\"$`])/g, '$1') : inner;
  }
  return value;
}
