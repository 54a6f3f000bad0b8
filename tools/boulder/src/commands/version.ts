import { readFileSync } from 'node:fs';
import type { Command } from '@serpent/cli';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the boulder version',
  flags: { full: { short: 'f', description: 'Also print the Node version and platform' } },
  examples: [['boulder version --full', 'boulder 0.1.0 and the runtime']],
  async run({ args, io }) {
    io.stdout(`boulder ${pkg.version}\n`);
    if (args.flags.full) io.stdout(`node ${process.version} (${process.platform}-${process.arch})\n`);
    return 0;
  },
};
