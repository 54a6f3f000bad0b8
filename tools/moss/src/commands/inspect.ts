import { type Command, commandReport } from '@serpent/cli';
import { describeStone, inspectStone, stringifyJson } from '@serpent/stone';
import { renderInspect } from '../render/inspect-text.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show what a .stone file holds: metadata, dependencies, providers, payloads, layout',
  synopsis: 'FILE...',
  description:
    'Reads stone files of every type (packages, repository indexes, build manifests) and checks\n' +
    'every payload checksum on the way (the content payload too), failing on a damaged one.\n' +
    '--verify also decompresses the content and checks every file hash. --json prints the\n' +
    'decoded structure (the shape of the stone-expected/1 fixtures); with --verify it fails on\n' +
    'a file whose content does not match its hash, as the text form does.',
  flags: {
    files: { short: 'f', description: 'List every layout entry (default: the first 20)' },
    verify: { description: 'Also decompress the content and verify every file hash' },
  },
  examples: [
    ['moss inspect bash-completion-2.11-1-1-x86_64.stone', 'metadata, payloads and the start of the layout'],
    ['moss inspect --files --verify pkg.stone', 'every path, and a full integrity check'],
    ['moss inspect --json stone.index', 'the decoded index as JSON'],
  ],
  async run(ctx) {
    const { args } = ctx;
    const report = commandReport(ctx);
    const verify = args.flags.verify === true;
    const layoutLimit = args.flags.files === true ? Number.POSITIVE_INFINITY : 20;
    for (const [i, file] of args.positionals.entries()) {
      // --json is the whole decoded stone (the fixtures' shape, bigints exact), not the description.
      if (report.json) report.io.stdout(`${stringifyJson(await inspectStone(file, { verify }))}\n`);
      else
        report.line([
          ...(i > 0 ? [''] : []),
          ...renderInspect(await describeStone(file, { verify, layoutLimit })),
        ]);
    }
  },
};
