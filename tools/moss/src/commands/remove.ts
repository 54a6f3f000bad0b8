import type { Command } from '@serpent/cli';
import { runChange } from './change.js';

export const removeCommand: Command = {
  name: 'remove',
  aliases: ['rm'],
  summary: 'Remove packages, with what depends on them and what only they needed',
  synopsis: 'PACKAGE...',
  description:
    'Packages that depend on the removed ones go too, and so do dependencies nothing else needs\n' +
    'any more; the list says why each one goes. The result is a new state; the old one stays.',
  examples: [
    ['moss remove hello', 'remove hello (and orphaned dependencies)'],
    ['moss -D /tmp/root rm libgreet -y', 'remove libgreet and everything that needs it'],
  ],
  async run(ctx) {
    return runChange(
      ctx,
      { remove: ctx.args.positionals },
      (plan, r) => `State ${r.stateId} is active: ${plan.remove.length} package(s) removed`,
      () => 'Nothing to remove',
    );
  },
};
