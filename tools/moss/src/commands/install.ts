import { type Command, confirm, EXIT, flagString, formatColumns } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import {
  checkInstallTarget,
  commitInstall,
  commitInstallTo,
  planInstall,
  readLocalStones,
  repositoryCandidates,
  repositoryFetcher,
} from '@serpent/system';
import { installLockTo } from './exported-state.js';
import { rootOf, withRoot } from './open-root.js';

const label = (m: { name: string; version: string; release: number }) =>
  `${m.name} ${m.version}-${m.release}`;

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
    const { args, globals, io } = ctx;
    const lock = flagString(args, 'lock');
    if (lock !== undefined) {
      const dir = flagString(args, 'to');
      if (dir === undefined || args.positionals.length > 0)
        throw new UsageError(
          'moss install --lock: give --to DIR and no package names (the lock names them)',
          'to make this system the lock, use `moss sync --lock FILE`',
        );
      return installLockTo(ctx, dir, lock);
    }
    if (args.positionals.length === 0) {
      io.stderr('moss install: nothing to install\nUsage: moss install PACKAGE...\n');
      return EXIT.usage;
    }
    const files = args.positionals.filter((a) => a.endsWith('.stone'));
    const names = args.positionals.filter((a) => !a.endsWith('.stone'));
    const to = flagString(args, 'to');
    return withRoot(ctx, async (inst, r) => {
      const stones = await readLocalStones(files);
      // Repositories are read only when a name or provider has to be looked up.
      const candidates = names.length > 0 ? await repositoryCandidates(rootOf(ctx)) : [];
      const prepared = planInstall(
        inst,
        { stones, names, candidates },
        { ignoreInstalled: to !== undefined },
      );
      const { plan } = prepared;
      if (to !== undefined) {
        checkInstallTarget(inst, to);
        if (globals.json !== true) {
          io.stdout(
            `The following package(s) will be installed into ${to}/usr:\n${formatColumns(
              plan.install.map((c) => label(c.meta)),
              io.columns,
            )}\n`,
          );
        }
        await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
        const res = await commitInstallTo(inst, prepared, to, {
          onEvent: r.onEvent,
          fetch: repositoryFetcher(inst, r.onEvent),
        });
        if (globals.json === true) {
          io.stdout(
            `${JSON.stringify({ target: res.usr, entries: res.entries, installed: plan.install.map((c) => c.id) })}\n`,
          );
        } else {
          io.stdout(
            `${res.usr}: ${plan.install.length} package(s), ${res.entries} entries (no state recorded)\n`,
          );
        }
        return EXIT.ok;
      }
      if (plan.install.length === 0 && prepared.replaced.length === 0) {
        io.stdout(
          `The following package(s) are already installed:\n${formatColumns(
            plan.alreadyInstalled.map((p) => label(p.meta)),
            io.columns,
          )}`,
        );
        return EXIT.ok;
      }
      if (globals.json !== true) {
        io.stdout(
          `The following package(s) will be installed:\n${formatColumns(
            plan.install.map((c) => label(c.meta)),
            io.columns,
          )}`,
        );
        if (prepared.replaced.length > 0) {
          io.stdout(
            `Replacing:\n${prepared.replaced.map((x) => `  ${x.name} ${x.from} → ${x.to}\n`).join('')}`,
          );
        }
        io.stdout('\n');
      }
      await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
      const id = await commitInstall(inst, prepared, {
        onEvent: r.onEvent,
        fetch: repositoryFetcher(inst, r.onEvent),
      });
      if (globals.json === true)
        io.stdout(`${JSON.stringify({ state: id, installed: plan.install.map((c) => c.id) })}\n`);
      else io.stdout(`State ${id} is active: ${plan.install.length} package(s) installed\n`);
      return EXIT.ok;
    });
  },
};
