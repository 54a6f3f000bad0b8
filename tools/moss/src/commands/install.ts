import { type Command, flagString, formatColumns } from '@serpent/cli';
import { runChange } from './change.js';

export const installCommand: Command = {
  name: 'install',
  aliases: ['it'],
  summary: 'Install packages: .stone files, names or providers',
  synopsis: 'PACKAGE...',
  description:
    'Arguments ending in .stone are package files; others are names or providers such as\n' +
    'binary(nano) or soname(libz.so.1(x86_64)), looked up among those files, the installed\n' +
    'packages and the enabled repositories (highest priority, then newest release). Downloads are\n' +
    'parallel and SHA-256 checked. Dependencies come along. A new /usr is built, its triggers run, and it is swapped\n' +
    'in atomically as a new state; the previous state stays available (`moss state activate`).\n' +
    'With --to DIR the packages (all of them, whatever the root has installed) become DIR/usr\n' +
    "instead, with the root's store and repositories and no state recorded: only DIR/usr is\n" +
    'replaced, in one atomic exchange at the end; DIR must exist, on the same filesystem as the root.',
  flags: {
    to: {
      value: true,
      placeholder: 'DIR',
      description: 'Install into DIR/usr (an image or build root) instead of the root; no state',
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
  ],
  async run(ctx) {
    const add = ctx.args.positionals;
    const to = flagString(ctx.args, 'to');
    return runChange(
      ctx,
      { add, ...(to === undefined ? {} : { to }) },
      (plan, r) =>
        r.target
          ? `${r.target.usr}: ${plan.install.length} package(s), ${r.target.entries} entries (no state recorded)`
          : `State ${r.stateId} is active: ${plan.install.length} package(s) installed`,
      (plan) =>
        `The following package(s) are already installed:\n${formatColumns(
          plan.alreadyInstalled.map((p) => `${p.name} ${p.version}-${p.release}`),
          ctx.io.columns,
        )}`,
    );
  },
};
