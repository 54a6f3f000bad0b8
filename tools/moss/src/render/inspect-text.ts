import { formatTable } from '@serpent/cli';
import {
  COMPRESSION_NAMES,
  FILE_TYPE_NAMES,
  FileType,
  formatDependency,
  type LayoutEntry,
  PAYLOAD_KIND_NAMES,
  type PackageMeta,
  PayloadKind,
  type StoneDescription,
} from '@serpent/stone';

const num = (n: number) => n.toLocaleString('en-US');
const bytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1024 / 1024).toFixed(1)} MiB`;

function table(rows: string[][], indent = '  '): string[] {
  return formatTable(rows, indent).trimEnd().split('\n');
}

function metaBlock(m: PackageMeta): string[] {
  const rows: [string, string][] = [
    ['Name', m.name],
    ['Version', m.version],
    ['Release', String(m.release)],
    ['Build release', String(m.buildRelease)],
    ['Architecture', m.architecture],
    ['Summary', m.summary],
    ['Description', m.description.replace(/\n/g, ' ')],
    ['Homepage', m.homepage],
    ['Source ID', m.sourceId],
    ['Licenses', m.licenses.join(', ')],
  ];
  if (m.packageUri !== undefined) rows.push(['Package URI', m.packageUri]);
  if (m.packageHash !== undefined) rows.push(['Package SHA-256', m.packageHash]);
  if (m.packageSize !== undefined) rows.push(['Package size', `${num(m.packageSize)} bytes`]);
  const out = table(rows.map(([k, v]) => [k, v]));
  const list = (title: string, items: readonly string[]) => {
    out.push(`  ${title} (${items.length})`);
    for (const i of items) out.push(`    - ${i}`);
  };
  list('Dependencies', m.depends.map(formatDependency));
  list('Providers', [`name(${m.name})`, ...m.provides.map(formatDependency)]);
  if (m.conflicts.length > 0) list('Conflicts', m.conflicts.map(formatDependency));
  if (m.buildDepends !== undefined) list('Build dependencies', m.buildDepends.map(formatDependency));
  return out;
}

function layoutLine(e: LayoutEntry): string {
  const mode = (e.mode & 0o7777).toString(8).padStart(4, '0');
  const path = `/usr/${e.target}`;
  switch (e.type) {
    case 'regular':
      return `    ${path}  [regular ${mode}] ${e.hash}`;
    case 'symlink':
      return `    ${path} -> ${e.source}  [symlink]`;
    default:
      return `    ${path}  [${e.type} ${mode}]`;
  }
}

/** The human-readable report of `moss inspect` (without colour). */
export function renderInspect(v: StoneDescription): string[] {
  const out: string[] = [];
  out.push(
    `${v.file}: ${FILE_TYPE_NAMES[v.header.fileType]} stone, format v${v.header.version}, ${num(v.size)} bytes`,
  );
  out.push('');
  v.metas.forEach((m, i) => {
    if (v.metas.length > 1) out.push(`Package ${i + 1} of ${v.metas.length}`);
    for (const line of metaBlock(m)) out.push(line);
    out.push('');
  });
  out.push('Payloads');
  const rows = table([
    ['#', 'kind', 'compression', 'stored', 'plain', 'records', 'checksum (XXH3-64)'],
    ...v.payloads.map((p) => [
      String(p.index),
      PAYLOAD_KIND_NAMES[p.kind] ?? String(p.kind),
      COMPRESSION_NAMES[p.compression] ?? String(p.compression),
      bytes(p.storedSize),
      bytes(p.plainSize),
      p.kind === PayloadKind.Content ? '-' : num(p.numRecords),
      p.checksum,
    ]),
  ]);
  for (const row of rows) out.push(row);
  const { layout } = v;
  if (layout.count > 0 || v.header.fileType === FileType.Binary) {
    out.push('');
    const kinds = Object.entries(layout.byType)
      .map(([k, n]) => `${num(n)} ${k}`)
      .join(', ');
    const content =
      v.contentBytes === undefined
        ? 'no content'
        : `${bytes(v.contentBytes)} in ${num(v.uniqueFiles)} unique files`;
    out.push(`Layout: ${num(layout.count)} entries${kinds ? ` (${kinds})` : ''}, ${content}`);
    for (const e of layout.entries) out.push(layoutLine(e));
    if (layout.entries.length < layout.count) {
      out.push(`    … ${num(layout.count - layout.entries.length)} more (--files shows all)`);
    }
  }
  out.push('');
  out.push(
    v.verified !== undefined
      ? `Verified: every payload checksum and all ${num(v.verified.files)} file contents match`
      : `Checked: all ${num(v.checksums.payloads)} payload checksums match (--verify also checks every file)`,
  );
  return out;
}
