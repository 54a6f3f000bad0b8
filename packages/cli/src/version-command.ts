import type { Command } from './command.js';
import { createReport } from './report.js';
import type { ToolVersions } from './tool-versions.js';

/**
 * `TOOL version`: the tool's version; `--full` adds Node's, the platform and every package
 * inside; `--json` all of it as one document. Every tool's is this one.
 */
export function versionCommand(tool: string, versions: () => ToolVersions): Command {
  return {
    name: 'version',
    summary: `Print the ${tool} version`,
    flags: { full: { short: 'f', description: 'Also print the Node version, platform and every package' } },
    examples: [
      [`${tool} version --full`, `${tool} 0.1.0, the runtime and the packages inside`],
      [`${tool} version --json`, 'the same as JSON'],
    ],
    async run({ args, globals, io }) {
      createReport(io, { json: globals.json === true }).result(versions(), (v) => [
        `${tool} ${v.version}`,
        ...(args.flags.full
          ? [
              `node ${v.node} (${v.platform}, ${v.build})`,
              ...Object.entries(v.packages).map((p) => p.join(' ')),
            ]
          : []),
      ]);
      return 0;
    },
  };
}
