/** A Boot Loader Specification type-1 entry. Paths are absolute within the boot partition. */
export interface BootEntry {
  readonly title: string;
  readonly version: string;
  readonly sortKey: string;
  readonly linux: string;
  readonly initrd: readonly string[];
  readonly options: string;
}

/** First line of every entry this package writes: a reader of the ESP knows who owns it. */
export const ENTRY_MARKER = '# Written by @serpent/boot (moss); replaced or removed by the next boot sync.';

/** Renders an entry file (BLS type 1): one `key value` per line, initrds in boot order. */
export function renderBootEntry(entry: BootEntry): string {
  const lines = [
    ENTRY_MARKER,
    `title ${oneLine(entry.title)}`,
    `version ${oneLine(entry.version)}`,
    `sort-key ${oneLine(entry.sortKey)}`,
    `linux ${entry.linux}`,
    ...entry.initrd.map((i) => `initrd ${i}`),
    `options ${oneLine(entry.options)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A parsed entry file: any BLS keys, `initrd` collected in order, comments dropped. */
export interface ParsedBootEntry {
  readonly title: string | undefined;
  readonly version: string | undefined;
  readonly sortKey: string | undefined;
  readonly linux: string | undefined;
  readonly initrd: readonly string[];
  readonly options: string | undefined;
  /** True when the first line is this package's marker. */
  readonly ours: boolean;
}

/** Parses any BLS type-1 entry text (also other tools' entries, for `bootStatus`). */
export function parseBootEntry(text: string): ParsedBootEntry {
  const values = new Map<string, string>();
  const initrd: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = line.match(/^(\S+)\s+(.*)$/);
    if (m === null) continue;
    const key = m[1]!;
    const value = m[2]!.trim();
    if (key === 'initrd') initrd.push(value);
    else if (key === 'options') options.push(value);
    else if (!values.has(key)) values.set(key, value);
  }
  return {
    title: values.get('title'),
    version: values.get('version'),
    sortKey: values.get('sort-key'),
    linux: values.get('linux'),
    initrd,
    options: options.length === 0 ? undefined : options.join(' '),
    ours: text.startsWith(ENTRY_MARKER),
  };
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
