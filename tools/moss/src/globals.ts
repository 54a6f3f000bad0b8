import type { FlagSpec } from '@serpent/cli';

/** Options every moss command accepts, before or after the verb (as the original's clap globals). */
export const GLOBALS: FlagSpec = {
  directory: {
    short: 'D',
    value: true,
    placeholder: 'ROOT',
    description: 'Root of the system to manage (default /)',
  },
  'yes-all': { short: 'y', description: 'Answer yes to every confirmation' },
  json: { description: 'Machine-readable output (JSON / NDJSON) where a command has it' },
  verbose: { short: 'v', description: 'Say more about what is being done' },
  'max-index-size': {
    value: true,
    placeholder: 'SIZE',
    description: 'Refuse a repository index larger than SIZE (default 64M) when fetching one',
  },
};
