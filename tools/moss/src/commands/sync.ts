import { type Command, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { runChange } from './change.js';

// Loaded only with --lock or --model: its JSON Schema validator (ajv) and YAML parser cost a
// one-package transaction's start-up ≈ 10-20 ms otherwise.
const stateExport = () => import('@serpent/state-export');

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
    const { flags } = ctx.args;
    const lockFile = flagString(ctx.args, 'lock');
    const modelFile = flagString(ctx.args, 'model');
    if (lockFile !== undefined) {
      if (modelFile !== undefined || flags['upgrade-only'] || flags.update)
        throw new UsageError(
          'moss sync --lock: a lock says exactly what to have; it goes alone',
          'see `moss sync --help`',
        );
      const lock = await (await stateExport()).readLockFile(lockFile);
      return runChange(
        ctx,
        { lock: { lock, source: lockFile } },
        (_, r) =>
          `State ${r.stateId} is active: the system is ${lockFile} (${lock.packages.length} package(s))`,
        () => `The system already is ${lockFile}`,
      );
    }
    if (modelFile !== undefined) {
      if (flags['upgrade-only'])
        throw new UsageError(
          'moss sync --model keeps installed releases; --upgrade-only does not apply',
          'run `moss sync` after it',
        );
      const model = await (await stateExport()).readModelFile(modelFile);
      return runChange(
        ctx,
        { model: { model, source: modelFile, update: flags.update === true } },
        (plan, r) =>
          r.stateId !== plan.baseStateId
            ? `State ${r.stateId} is active: the system matches ${modelFile}`
            : `The repository configuration matches ${modelFile}`,
        () => `The system already matches ${modelFile}`,
      );
    }
    return runChange(
      ctx,
      { sync: { update: flags.update === true, upgradeOnly: flags['upgrade-only'] === true } },
      (_, r) => `State ${r.stateId} is active`,
      () => 'No packages to sync',
    );
  },
};
