import type { Command } from '@serpent/cli';
import { SerpentError } from '@serpent/errors';
import type { PackageDetails } from '@serpent/system';
import { withRoot } from './with-root.js';

const FILE_TEXT = {
  regular: (f: { hash?: string }) => ` (${f.hash})`,
  symlink: (f: { target?: string }) => ` -> ${f.target}`,
};

/**
 * One package as lines. Every value comes from a package or an index: each line is shown whole
 * by the report, so a line break or escape sequence in a name, summary or file name is shown,
 * not obeyed; only the description's own line breaks make lines (indented under its label).
 */
function detailsLines(d: PackageDetails): string[] {
  const row = (k: string, v: string) => `${k.padEnd(18)}${v}`;
  const status =
    d.status === 'installed'
      ? `Installed${d.explicit ? '' : ' (as a dependency)'}`
      : `Not installed (available from ${d.repository})`;
  const [first = '', ...more] = d.description.trim().split('\n');
  return [
    row('Name', d.name),
    row('Status', status),
    row('Version', d.version),
    row('Release number', String(d.release)),
    ...(d.buildRelease > 1 ? [row('Build release', String(d.buildRelease))] : []),
    row('Homepage', d.homepage),
    row('Summary', d.summary),
    row('Description', first),
    ...more.map((l) => `${' '.repeat(18)}${l}`),
    row('Licenses', d.licenses.join(', ')),
    'Dependencies',
    ...d.dependencies.map((x) => `    - ${x}`),
    'Providers',
    ...d.providers.map((x) => `    - ${x}`),
    ...(d.files
      ? [
          'Files',
          ...d.files.map(
            (f) =>
              `    ${f.path}${f.type in FILE_TEXT ? FILE_TEXT[f.type as keyof typeof FILE_TEXT](f) : ''}`,
          ),
        ]
      : []),
  ];
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show a package: version, status, dependencies, providers, files',
  synopsis: 'NAME...',
  flags: { files: { short: 'f', description: 'List the files of installed packages' } },
  examples: [
    ['moss info hello', 'details of the hello package'],
    ["moss info 'binary(hello)'", 'the package that provides the hello binary'],
    ['moss info -f hello', 'and its files'],
  ],
  async run(ctx) {
    return withRoot(ctx, async (root, report) => {
      const found: PackageDetails[] = [];
      for (const q of ctx.args.positionals) {
        const d = await root.packages.info(q, { files: ctx.args.flags.files === true });
        if (d === undefined) {
          throw new SerpentError('PACKAGE_NOT_FOUND', `no installed or available package provides ${q}`, {
            hint: '`moss search WORD` finds packages; `moss repo update` refreshes the indexes',
            details: { query: q },
          });
        }
        found.push(d);
      }
      report.result(found, (list) => list.flatMap((d, i) => [...(i > 0 ? [''] : []), ...detailsLines(d)]));
    });
  },
};
