import { type Command, EXIT } from '@serpent/cli';
import { installedPackages } from '@serpent/system';
import { withRoot } from './open-root.js';

const installed: Command = {
  name: 'installed',
  aliases: ['li'],
  summary: 'List the packages of the active state',
  flags: { explicit: { short: 'e', description: 'Only packages installed on request, not as dependencies' } },
  examples: [
    ['moss list installed', 'name, version-release and summary of each package'],
    ['moss list installed --json', 'the same as a JSON array'],
  ],
  async run(ctx) {
    return withRoot(ctx, async (inst) => {
      const pkgs = installedPackages(inst)
        .filter((p) => !ctx.args.flags.explicit || p.explicit)
        .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
      if (ctx.globals.json === true) {
        const rows = pkgs.map((p) => ({
          id: p.id,
          name: p.meta.name,
          version: p.meta.version,
          release: p.meta.release,
          buildRelease: p.meta.buildRelease,
          summary: (p.meta as { summary?: string }).summary ?? '',
          explicit: p.explicit,
        }));
        ctx.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return EXIT.ok;
      }
      if (pkgs.length === 0) {
        ctx.io.stderr('No packages are installed\n');
        return EXIT.failure;
      }
      const w = Math.max(...pkgs.map((p) => p.meta.name.length));
      for (const p of pkgs) {
        const summary = (p.meta as { summary?: string }).summary ?? '';
        ctx.io.stdout(`${p.meta.name.padEnd(w)}  ${p.meta.version}-${p.meta.release}${p.explicit ? '' : ' (dependency)'} - ${summary}\n`);
      }
      return EXIT.ok;
    });
  },
};

export const LIST_SUBCOMMANDS: Command[] = [installed];

export const listCommand: Command = {
  name: 'list',
  summary: 'List packages',
  subcommands: LIST_SUBCOMMANDS,
};
