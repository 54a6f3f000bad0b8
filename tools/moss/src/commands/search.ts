import type { Command } from '@serpent/cli';
import { packageRows } from './list.js';
import { withRoot } from './with-root.js';

export const searchCommand: Command = {
  name: 'search',
  aliases: ['sr'],
  summary: 'Find packages whose name or summary contains a word',
  synopsis: 'WORD',
  flags: {
    installed: { short: 'i', description: 'Search the installed packages instead of the repositories' },
  },
  examples: [
    ['moss search editor', 'available packages about editors'],
    ['moss search -i lib --json', 'installed ones, as JSON'],
  ],
  async run(ctx) {
    const word = ctx.args.positionals[0]!;
    return withRoot(ctx, async (root, report) => {
      const hits = await root.packages.search(word, { installed: ctx.args.flags.installed === true });
      report.list(hits, packageRows(`No package matches "${word}"`));
    });
  },
};
