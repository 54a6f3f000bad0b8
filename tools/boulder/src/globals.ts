import { type BoulderDirs, boulderDirs, chooseRoot, type RootChoice } from '@serpent/builder';
import { type CommandContext, type FlagDef, type FlagSpec, flagString } from '@serpent/cli';

/** Options every boulder command accepts, before or after the verb. */
export const GLOBALS: FlagSpec = {
  'cache-dir': {
    value: true,
    placeholder: 'DIR',
    description: 'Cache root: upstreams, build and install dirs (default /var/cache/boulder as root)',
  },
  'config-dir': {
    value: true,
    placeholder: 'DIR',
    description: 'Read and save profiles here instead of /usr/share/boulder and /etc/boulder',
  },
  'moss-root': {
    value: true,
    placeholder: 'DIR',
    description:
      'moss dir of the build roots: indexes, downloads, store (default /var/cache/boulder/moss as root)',
  },
  json: { description: 'Machine-readable output where a command has it' },
};

/** `-p ID` of build, chroot and profile update. */
export const PROFILE_FLAG: FlagDef = {
  short: 'p',
  value: true,
  placeholder: 'ID',
  description: 'Build profile (default default-x86_64)',
};

/** boulder's directories from the global flags. */
export function dirsOf(globals: CommandContext['globals']): BoulderDirs {
  const given = { flags: globals, positionals: [] };
  const cacheDir = flagString(given, 'cache-dir');
  const configDir = flagString(given, 'config-dir');
  const mossRoot = flagString(given, 'moss-root');
  return boulderDirs({
    ...(cacheDir ? { cacheDir } : {}),
    ...(configDir ? { configDir } : {}),
    ...(mossRoot ? { mossRoot } : {}),
  });
}

/** The build root of build and chroot: --host, or the profile of -p through the moss dir (-u: refreshed). */
export function rootOf({ args, globals }: CommandContext): Promise<RootChoice> {
  return chooseRoot(dirsOf(globals), {
    host: args.flags.host === true,
    profile: flagString(args, 'profile'),
    update: args.flags.update === true,
  });
}
