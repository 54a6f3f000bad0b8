import type { Command } from '@serpent/cli';
import { runChange } from './change.js';

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
    const { flags } = ctx.args;
    return runChange(
      ctx,
      { sync: { update: flags.update === true, upgradeOnly: flags['upgrade-only'] === true } },
      (_, r) => `State ${r.stateId} is active`,
      () => 'No packages to sync',
    );
  },
};
