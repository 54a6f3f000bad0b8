import { type Command, confirm, EXIT, escapeControl } from '@serpent/cli';
import {
  commitSync,
  planSync,
  refreshRepositories,
  repositoryCandidates,
  repositoryFetcher,
  syncIsEmpty,
} from '@serpent/system';
import { rootOf, withRoot } from './open-root.js';
import { maxIndexBytes } from './repo.js';

export const syncCommand: Command = {
  name: 'sync',
  aliases: ['up'],
  summary: 'Move every installed package to what the repositories offer now, in one transaction',
  description:
    'Upgrades and downgrades alike (sync means "match the repositories"); packages no repository\n' +
    'offers any more stay as they are. New dependencies come along, and dependencies nothing\n' +
    'needs any more go. --update fetches every index first.',
  flags: {
    update: { short: 'u', description: 'Refresh every active repository first' },
    'upgrade-only': { description: 'Never move a package to an older release' },
  },
  examples: [
    ['moss sync -u', 'refresh the indexes, then sync'],
    ['moss sync --upgrade-only -y', 'only newer releases, without asking'],
  ],
  async run(ctx) {
    const { args, globals, io } = ctx;
    return withRoot(ctx, async (inst, r) => {
      if (args.flags.update) {
        await refreshRepositories(rootOf(ctx), {
          ...maxIndexBytes(ctx),
          onEvent: (e) => {
            if (e.type === 'refreshed' && globals.json !== true)
              io.stderr(`Refreshed ${e.repo}: ${e.packages} package(s)\n`);
          },
        });
      }
      const plan = planSync(inst, await repositoryCandidates(rootOf(ctx)), {
        upgradeOnly: args.flags['upgrade-only'] === true,
      });
      if (syncIsEmpty(plan)) {
        io.stdout('No packages to sync\n');
        return EXIT.ok;
      }
      if (globals.json !== true) {
        const line = (
          from: { meta: { name: string; version: string; release: number } },
          to: { meta: { version: string; release: number } },
        ) =>
          `${escapeControl(`  ${from.meta.name} ${from.meta.version}-${from.meta.release} → ${to.meta.version}-${to.meta.release}`)}\n`;
        if (plan.upgrade.length)
          io.stdout(`Upgrade:\n${plan.upgrade.map((c) => line(c.from, c.to)).join('')}`);
        if (plan.downgrade.length)
          io.stdout(`Downgrade:\n${plan.downgrade.map((c) => line(c.from, c.to)).join('')}`);
        if (plan.rebuild.length)
          io.stdout(`Rebuilt:\n${plan.rebuild.map((c) => line(c.from, c.to)).join('')}`);
        if (plan.newDependencies.length)
          io.stdout(
            `New dependencies:\n${plan.newDependencies.map((c) => `${escapeControl(`  ${c.meta.name} ${c.meta.version}-${c.meta.release}`)}\n`).join('')}`,
          );
        if (plan.remove.length)
          io.stdout(
            `Remove (no longer needed):\n${plan.remove.map((x) => `${escapeControl(`  ${x.package.meta.name} (${x.because})`)}\n`).join('')}`,
          );
        if (plan.unavailable.length)
          io.stdout(
            `Kept (in no enabled repository): ${escapeControl(plan.unavailable.map((p) => p.meta.name).join(', '))}\n`,
          );
        io.stdout('\n');
      }
      await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
      const id = await commitSync(inst, plan, {
        onEvent: r.onEvent,
        fetch: repositoryFetcher(inst, r.onEvent),
      });
      if (globals.json === true) {
        io.stdout(
          `${JSON.stringify({ state: id, upgrade: plan.upgrade.length, downgrade: plan.downgrade.length, install: plan.install.length, remove: plan.remove.length })}\n`,
        );
      } else io.stdout(`State ${id} is active\n`);
      return EXIT.ok;
    });
  },
};
