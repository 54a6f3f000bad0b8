import type { Command, ListFormat } from '@serpent/cli';
import type { PackageSummary } from '@serpent/system';
import { withRoot } from './with-root.js';

/** One package a line: name, version-release, summary (and the repository it comes from). */
export const packageRows = (empty: string): ListFormat<PackageSummary> => ({
  json: (p) => p,
  row: (p) => [
    p.name,
    `${p.version}-${p.release}${p.explicit === false ? ' (dependency)' : ''}`,
    `${p.summary}${p.repository ? ` [${p.repository}]` : ''}`,
  ],
  empty,
});

const installed: Command = {
  name: 'installed',
  aliases: ['li'],
  summary: 'List the packages of the active state',
  flags: { explicit: { short: 'e', description: 'Only packages installed on request, not as dependencies' } },
  examples: [
    ['moss list installed', 'name, version-release and summary of each package'],
    ['moss list installed --json', 'the same as a JSON array'],
  ],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      const pkgs = await root.packages.installed({ explicitOnly: ctx.args.flags.explicit === true });
      report.list(pkgs, packageRows('No packages are installed'));
    }),
};

const available: Command = {
  name: 'available',
  aliases: ['la'],
  summary: 'List what the enabled repositories offer (the release install would pick for each name)',
  examples: [['moss list available --json', 'as JSON, with the repository of each']],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      report.list(
        await root.packages.available(),
        packageRows(
          'No packages are available: add a repository (`moss repo add`) or fetch its index (`moss repo update`)',
        ),
      );
    }),
};

export const listCommand: Command = {
  name: 'list',
  summary: 'List packages',
  subcommands: [installed, available],
};
