import { type Command, confirm, EXIT } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import {
  commitSync,
  planSync,
  refreshRepositories,
  repositoryCandidates,
  repositoryFetcher,
  syncIsEmpty,
} from '@serpent/system';
import { syncToLock, syncToModel } from './exported-state.js';
import { rootOf, withRoot } from './open-root.js';

export const syncCommand: Command = {
  name: 'sync',
  aliases: ['up'],
  summary: 'Move every installed package to what the repositories offer now, in one transaction',
  description:
    'Upgrades and downgrades alike (sync means "match the repositories"); packages no repository\n' +
    'offers any more stay as they are. New dependencies come along, and dependencies nothing\n' +
    'needs any more go. --update fetches every index first.\n' +
    'With --lock FILE the system becomes exactly the lock (`moss state export`): its packages,\n' +
    'by hash, from the store, the download cache, a repository or the locked URL; a package none\n' +
    'of them has is named and nothing changes. With --model FILE it converges to a system model:\n' +
    'what the model wants is installed, what it neither wants nor needs is removed, installed\n' +
    'releases are kept, and the repository configuration follows the model when it names any.',
  flags: {
    update: { short: 'u', description: 'Refresh every active repository first' },
    'upgrade-only': { description: 'Never move a package to an older release' },
    lock: { value: true, placeholder: 'FILE', description: 'Make the system exactly this lock file' },
    model: { value: true, placeholder: 'FILE', description: 'Converge the system to this system model' },
  },
  examples: [
    ['moss sync -u', 'refresh the indexes, then sync'],
    ['moss sync --upgrade-only -y', 'only newer releases, without asking'],
    ['moss sync --lock laptop.lock', 'exactly the packages of that lock'],
    ['moss sync --model /etc/moss/system-model.yaml', 'what the model wants, nothing else'],
  ],
  async run(ctx) {
    const { args, globals, io } = ctx;
    const lock = typeof args.flags.lock === 'string' ? args.flags.lock : undefined;
    const model = typeof args.flags.model === 'string' ? args.flags.model : undefined;
    if (lock !== undefined && (model !== undefined || args.flags['upgrade-only'] || args.flags.update))
      throw new UsageError(
        'moss sync --lock: a lock says exactly what to have; it goes alone',
        'see `moss sync --help`',
      );
    if (model !== undefined && args.flags['upgrade-only'])
      throw new UsageError(
        'moss sync --model keeps installed releases; --upgrade-only does not apply',
        'run `moss sync` after it',
      );
    if (lock !== undefined) return syncToLock(ctx, lock);
    if (model !== undefined) return syncToModel(ctx, model, args.flags.update === true);
    return withRoot(ctx, async (inst, r) => {
      if (args.flags.update) {
        await refreshRepositories(rootOf(ctx), {
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
          `  ${from.meta.name} ${from.meta.version}-${from.meta.release} → ${to.meta.version}-${to.meta.release}\n`;
        if (plan.upgrade.length)
          io.stdout(`Upgrade:\n${plan.upgrade.map((c) => line(c.from, c.to)).join('')}`);
        if (plan.downgrade.length)
          io.stdout(`Downgrade:\n${plan.downgrade.map((c) => line(c.from, c.to)).join('')}`);
        if (plan.rebuild.length)
          io.stdout(`Rebuilt:\n${plan.rebuild.map((c) => line(c.from, c.to)).join('')}`);
        if (plan.newDependencies.length)
          io.stdout(
            `New dependencies:\n${plan.newDependencies.map((c) => `  ${c.meta.name} ${c.meta.version}-${c.meta.release}\n`).join('')}`,
          );
        if (plan.remove.length)
          io.stdout(
            `Remove (no longer needed):\n${plan.remove.map((x) => `  ${x.package.meta.name} (${x.because})\n`).join('')}`,
          );
        if (plan.unavailable.length)
          io.stdout(
            `Kept (in no enabled repository): ${plan.unavailable.map((p) => p.meta.name).join(', ')}\n`,
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
