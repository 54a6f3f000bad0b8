import type { Command } from '@serpent/cli';
import { versions } from '../versions.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the boulder version',
  flags: { full: { short: 'f', description: 'Also print the Node version, platform and every package' } },
  examples: [
    ['boulder version --full', 'boulder 0.1.0, the runtime and the packages inside'],
    ['boulder version --json', 'the same as JSON'],
  ],
  async run({ args, globals, io }) {
    const v = versions();
    if (globals.json === true) {
      io.stdout(`${JSON.stringify(v, null, 2)}\n`);
      return 0;
    }
    io.stdout(`boulder ${v.version}\n`);
    if (args.flags.full) {
      io.stdout(`node ${v.node} (${v.platform}, ${v.build})\n`);
      for (const [name, version] of Object.entries(v.packages)) io.stdout(`${name} ${version}\n`);
    }
    return 0;
  },
};
