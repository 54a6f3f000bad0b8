import { type Command, EXIT } from '@serpent/cli';
import { SerpentError } from '@serpent/errors';
import type { PackageDetails } from '@serpent/system';
import { withRoot } from './with-root.js';

const FILE_TEXT = {
  regular: (f: { hash?: string }) => ` (${f.hash})`,
  symlink: (f: { target?: string }) => ` -> ${f.target}`,
};

function detailsText(d: PackageDetails): string {
  const row = (k: string, v: string) => `${k.padEnd(18)}${v}\n`;
  const status =
    d.status === 'installed'
      ? `Installed${d.explicit ? '' : ' (as a dependency)'}`
      : `Not installed (available from ${d.repository})`;
  return [
    row('Name', d.name),
    row('Status', status),
    row('Version', d.version),
    row('Release number', String(d.release)),
    d.buildRelease > 1 ? row('Build release', String(d.buildRelease)) : '',
    row('Homepage', d.homepage),
    row('Summary', d.summary),
    row('Description', d.description.trim().replace(/\n/g, `\n${' '.repeat(18)}`)),
    row('Licenses', d.licenses.join(', ')),
    `Dependencies\n${d.dependencies.map((x) => `    - ${x}\n`).join('')}`,
    `Providers\n${d.providers.map((x) => `    - ${x}\n`).join('')}`,
    d.files
      ? `Files\n${d.files.map((f) => `    ${f.path}${f.type in FILE_TEXT ? FILE_TEXT[f.type as keyof typeof FILE_TEXT](f) : ''}\n`).join('')}`
      : '',
  ].join('');
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
      report.result(found, (list) => list.map(detailsText).join('\n'));
      return EXIT.ok;
    });
  },
};
