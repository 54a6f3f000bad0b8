import { type Command, EXIT } from '@serpent/cli';
import { installedSummaries, type RepositoryCandidate, repositoryCandidates } from '@serpent/system';
import { rootOf, withRoot } from './open-root.js';

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
      // Summaries only: name, version, summary (not every dependency and provider row).
      const pkgs = installedSummaries(inst)
        .filter((p) => !ctx.args.flags.explicit || p.explicit)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (ctx.globals.json === true) {
        const rows = pkgs.map((p) => ({
          id: p.id,
          name: p.name,
          version: p.version,
          release: p.release,
          buildRelease: p.buildRelease,
          summary: p.summary,
          explicit: p.explicit,
        }));
        ctx.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return EXIT.ok;
      }
      if (pkgs.length === 0) {
        ctx.io.stderr('No packages are installed\n');
        return EXIT.failure;
      }
      const w = Math.max(...pkgs.map((p) => p.name.length));
      // One write: 1,560 lines written one at a time were 1,560 write(2) calls to a pipe.
      ctx.io.stdout(
        pkgs
          .map(
            (p) =>
              `${p.name.padEnd(w)}  ${p.version}-${p.release}${p.explicit ? '' : ' (dependency)'} - ${p.summary}\n`,
          )
          .join(''),
      );
      return EXIT.ok;
    });
  },
};

/** The best candidate per name: highest repository priority, then newest release. */
export function bestByName(candidates: readonly RepositoryCandidate[]): RepositoryCandidate[] {
  const best = new Map<string, RepositoryCandidate>();
  const prio = (c: RepositoryCandidate) => (c.source.kind === 'repository' ? c.source.priority : 0);
  for (const c of candidates) {
    const cur = best.get(c.meta.name);
    if (
      !cur ||
      prio(c) > prio(cur) ||
      (prio(c) === prio(cur) &&
        (c.meta.release > cur.meta.release ||
          (c.meta.release === cur.meta.release && c.meta.buildRelease > cur.meta.buildRelease)))
    ) {
      best.set(c.meta.name, c);
    }
  }
  return [...best.values()].sort((a, b) =>
    a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0,
  );
}

const available: Command = {
  name: 'available',
  aliases: ['la'],
  summary: 'List what the enabled repositories offer (the best release of each name)',
  examples: [['moss list available --json', 'as JSON, with the repository of each']],
  async run(ctx) {
    const pkgs = bestByName(await repositoryCandidates(rootOf(ctx)));
    if (ctx.globals.json === true) {
      ctx.io.stdout(
        `${JSON.stringify(
          pkgs.map((p) => ({
            id: p.id,
            name: p.meta.name,
            version: p.meta.version,
            release: p.meta.release,
            summary: (p.meta as { summary?: string }).summary ?? '',
            repository: p.repo,
          })),
          null,
          2,
        )}\n`,
      );
      return EXIT.ok;
    }
    if (pkgs.length === 0) {
      ctx.io.stderr(
        'No packages are available: add a repository (`moss repo add`) or fetch its index (`moss repo update`)\n',
      );
      return EXIT.failure;
    }
    const w = Math.max(...pkgs.map((p) => p.meta.name.length));
    for (const p of pkgs)
      ctx.io.stdout(
        `${p.meta.name.padEnd(w)}  ${p.meta.version}-${p.meta.release} - ${(p.meta as { summary?: string }).summary ?? ''} [${p.repo}]\n`,
      );
    return EXIT.ok;
  },
};

export const LIST_SUBCOMMANDS: Command[] = [installed, available];

export const listCommand: Command = {
  name: 'list',
  summary: 'List packages',
  subcommands: LIST_SUBCOMMANDS,
};
