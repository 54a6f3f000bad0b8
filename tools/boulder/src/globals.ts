import type { FlagSpec } from '@serpent/cli';

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
