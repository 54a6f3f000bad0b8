import { type BoulderDirs, boulderDirs } from '@serpent/builder';
import type { CommandContext, FlagSpec } from '@serpent/cli';

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
  json: { description: 'Machine-readable output where a command has it' },
};

const str = (v: string | true | string[] | undefined) => (typeof v === 'string' ? v : undefined);

/** boulder's directories from the global flags. */
export function dirsOf(globals: CommandContext['globals']): BoulderDirs {
  const cacheDir = str(globals['cache-dir']);
  const configDir = str(globals['config-dir']);
  return boulderDirs({ ...(cacheDir ? { cacheDir } : {}), ...(configDir ? { configDir } : {}) });
}
