import { type Command, EXIT, escapeControl } from '@serpent/cli';
import { installedPackages, repositoryCandidates } from '@serpent/system';
import { rootOf, withReadRoot } from './open-root.js';

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
    const word = ctx.args.positionals[0];
    if (word === undefined) {
      ctx.io.stderr('moss search: give a word\nUsage: moss search WORD\n');
      return EXIT.usage;
    }
    const w = word.toLowerCase();
    return withReadRoot(ctx, async (inst) => {
      const pool = ctx.args.flags.installed
        ? installedPackages(inst).map((p) => ({
            id: p.id,
            meta: p.meta as typeof p.meta & { summary?: string },
            repo: 'installed',
          }))
        : (await repositoryCandidates(rootOf(ctx))).map((c) => ({
            id: c.id,
            meta: c.meta as typeof c.meta & { summary?: string },
            repo: c.repo,
          }));
      const hits = pool
        .filter(
          (p) => p.meta.name.toLowerCase().includes(w) || (p.meta.summary ?? '').toLowerCase().includes(w),
        )
        .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
      if (ctx.globals.json === true) {
        ctx.io.stdout(
          `${JSON.stringify(
            hits.map((h) => ({
              id: h.id,
              name: h.meta.name,
              version: h.meta.version,
              release: h.meta.release,
              summary: h.meta.summary ?? '',
              repository: h.repo,
            })),
            null,
            2,
          )}\n`,
        );
        return EXIT.ok;
      }
      const width = Math.max(0, ...hits.map((h) => h.meta.name.length));
      for (const h of hits)
        ctx.io.stdout(`${escapeControl(`${h.meta.name.padEnd(width)}  ${h.meta.summary ?? ''}`)}\n`);
      return EXIT.ok;
    });
  },
};
