import { resolve } from 'node:path';
import { type Command, flagString, positionalInt } from '@serpent/cli';
import { writeFileAtomic } from '@serpent/durable';
import { UsageError } from '@serpent/errors';
import { serializeLock, serializeModel } from '@serpent/state-export';
import { versions } from '../versions.js';
import { withRoot } from './with-root.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write the lock of a state (what you got), or the model of the system (what you want)',
  synopsis: '[ID]',
  description:
    'A lock lists every package of a state (default: the active one) by SHA-256, with its\n' +
    'version, releases, explicit flag and repository, and the repositories with the SHA-256 of\n' +
    'the index used: `moss sync --lock FILE` and `moss install --to DIR --lock FILE` reproduce\n' +
    'it exactly. --model writes the system model instead: the repositories and the explicitly\n' +
    'installed names, no versions, for `moss sync --model FILE`. Without -o it goes to stdout.',
  flags: {
    output: {
      short: 'o',
      value: true,
      placeholder: 'FILE',
      description: 'Write to FILE (crash-safely) instead of stdout',
    },
    model: { description: 'Write the system model (YAML) instead of a lock (JSON)' },
  },
  examples: [
    ['moss state export -o laptop.lock', 'the lock of the active state'],
    ['moss state export 4 -o before-upgrade.lock', 'the lock of state 4'],
    ['moss state export --model -o /etc/moss/system-model.yaml', 'the model of the system'],
  ],
  async run(ctx) {
    const { args } = ctx;
    const model = args.flags.model === true;
    const idText = args.positionals[0];
    const id =
      idText === undefined
        ? undefined
        : positionalInt(idText, 'a state id', 'moss state export', '`moss state list` shows them');
    if (model && id !== undefined)
      throw new UsageError(
        'moss state export --model: a model is of the system, not of a state',
        'leave out the id, or export a lock of that state',
      );
    const out = flagString(args, 'output');
    return withRoot(ctx, async (root, report) => {
      let text: string;
      let what: string;
      if (model) {
        const m = await root.states.exportModel();
        text = serializeModel(m);
        what = `the model of ${root.path} (${m.packages.length} package(s), ${m.repositories?.length ?? 0} repositories)`;
      } else {
        const lock = await root.states.exportLock(id, {
          // The version the bundler wrote in (no package.json beside a single executable).
          generator: `moss ${versions().version}`,
        });
        text = serializeLock(lock);
        what = `the lock of state ${lock.state?.id} (${lock.packages.length} package(s))`;
      }
      // Without -o the file itself is the output (JSON or YAML already), with or without --json.
      if (out === undefined) {
        report.io.stdout(text);
        return;
      }
      await writeFileAtomic(resolve(out), text);
      report.result({ file: resolve(out), kind: model ? 'model' : 'lock' }, `Wrote ${what} to ${out}`);
    });
  },
};
