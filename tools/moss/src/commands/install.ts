import { type Command, flagString, formatColumns } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { runChange } from './change.js';

// Loaded only with --lock or --model: its JSON Schema validator (ajv) and YAML parser cost a
// one-package transaction's start-up ≈ 10-20 ms otherwise.
const stateExport = () => import('@serpent/state-export');

export const installCommand: Command = {
  name: 'install',
  aliases: ['it'],
  summary: 'Install packages: .stone files, names or providers',
  synopsis: '[PACKAGE...]',
  description:
    'Arguments ending in .stone are package files; others are names or providers such as\n' +
    'binary(nano) or soname(libz.so.1(x86_64)), looked up among those files, the installed\n' +
    'packages and the enabled repositories (highest priority, then newest release). Downloads are\n' +
    'parallel and SHA-256 checked. Dependencies come along. A new /usr is built, its triggers run, and it is swapped\n' +
    'in atomically as a new state; the previous state stays available (`moss state activate`).\n' +
    'With --to DIR the packages (all of them, whatever the root has installed) become DIR/usr\n' +
    "instead, with the root's store and repositories and no state recorded: only DIR/usr is\n" +
    'replaced, in one atomic exchange at the end; DIR must exist, on the same filesystem as the root.\n' +
    'With --to DIR --lock FILE the packages are exactly those of a lock (`moss state export`):\n' +
    'the same lock gives the same /usr on every machine.',
  flags: {
    to: {
      value: true,
      placeholder: 'DIR',
      description: 'Install into DIR/usr (an image or build root) instead of the root; no state',
    },
    lock: {
      value: true,
      placeholder: 'FILE',
      description: 'With --to: install exactly the packages of this lock file',
    },
  },
  examples: [
    [
      'moss -D /tmp/root install ./hello-2.0-3-1-x86_64.stone ./libgreet-1.2-1-1-x86_64.stone -y',
      'install two local stones',
    ],
    ['moss install nano', 'install by name (from repositories)'],
    ["moss install 'binary(nano)'", 'install whatever provides the nano binary'],
    ['moss install --to /var/tmp/image bash coreutils -y', 'make /var/tmp/image/usr from two packages'],
    ['moss install --to /var/tmp/container --lock app.lock -y', 'a container root from a lock'],
  ],
  async run(ctx) {
    const add = ctx.args.positionals;
    const to = flagString(ctx.args, 'to');
    const lockFile = flagString(ctx.args, 'lock');
    if (lockFile !== undefined) {
      if (to === undefined || add.length > 0)
        throw new UsageError(
          'moss install --lock: give --to DIR and no package names (the lock names them)',
          'to make this system the lock, use `moss sync --lock FILE`',
        );
      const lock = await (await stateExport()).readLockFile(lockFile);
      return runChange(
        ctx,
        { lock: { lock, source: lockFile }, to },
        (_, r) =>
          `${r.target!.usr}: ${lock.packages.length} package(s) of ${lockFile}, ${r.target!.entries} entries (${r.target!.kept ? 'kept: already these packages' : 'no state recorded'})`,
        () => `${lockFile} holds no packages`,
      );
    }
    if (add.length === 0)
      throw new UsageError('moss install: PACKAGE... needed', 'Usage: moss install [--to DIR] PACKAGE...');
    return runChange(
      ctx,
      { add, ...(to === undefined ? {} : { to }) },
      (plan, r) =>
        r.target
          ? `${r.target.usr}: ${plan.install.length} package(s), ${r.target.entries} entries (${r.target.kept ? 'kept: already these packages' : 'no state recorded'})`
          : `State ${r.stateId} is active: ${plan.install.length} package(s) installed`,
      (plan) =>
        `The following package(s) are already installed:\n${formatColumns(
          plan.alreadyInstalled.map((p) => `${p.name} ${p.version}-${p.release}`),
          ctx.io.columns,
        )}`,
    );
  },
};
