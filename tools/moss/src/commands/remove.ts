import { type Command, confirm, EXIT, escapeControl } from '@serpent/cli';
import { commitRemove, planRemove } from '@serpent/system';
import { withRoot } from './open-root.js';

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
    const { args, globals, io } = ctx;
    if (args.positionals.length === 0) {
      io.stderr('moss remove: nothing to remove\nUsage: moss remove PACKAGE...\n');
      return EXIT.usage;
    }
    return withRoot(ctx, async (inst, r) => {
      const plan = planRemove(inst, args.positionals);
      if (globals.json !== true) {
        io.stdout('The following package(s) will be removed:\n');
        for (const x of plan.remove) {
          const m = x.package.meta;
          io.stdout(
            `${escapeControl(`  ${m.name} ${m.version}-${m.release}${x.reason === 'requested' ? '' : `  (${x.reason}: ${x.because})`}`)}\n`,
          );
        }
        io.stdout('\n');
      }
      await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
      const id = await commitRemove(inst, plan, { onEvent: r.onEvent });
      if (globals.json === true)
        io.stdout(`${JSON.stringify({ state: id, removed: plan.remove.map((x) => x.package.id) })}\n`);
      else io.stdout(`State ${id} is active: ${plan.remove.length} package(s) removed\n`);
      return EXIT.ok;
    });
  },
};
