import { type Command, EXIT } from '@serpent/cli';
import { inspectStone, StoneReader, stringifyJson } from '@serpent/stone';
import { type InspectView, renderInspect } from '../render/inspect-text.js';

async function view(file: string, verify: boolean): Promise<InspectView> {
  const stone = await StoneReader.open(file);
  try {
    const metas =
      stone.header.fileType === 1 || stone.header.fileType === 2 ? [await stone.meta()] : await stone.metas();
    const layout = stone.payloads.some((p) => p.kind === 2) ? await stone.layout() : [];
    const index = stone.payloads.some((p) => p.kind === 3) ? await stone.index() : [];
    const content = stone.contentPayload;
    const verified = verify ? await stone.verify() : undefined;
    return {
      file,
      size: stone.size,
      fileType: stone.header.fileType,
      version: stone.header.version,
      payloads: stone.payloads,
      metas,
      layout,
      uniqueFiles: index.length,
      contentBytes: content?.plainSize,
      ...(verified ? { verifiedFiles: verified.files } : {}),
    };
  } finally {
    await stone.close();
  }
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show what a .stone file holds: metadata, dependencies, providers, payloads, layout',
  synopsis: 'FILE...',
  description:
    'Reads stone files of every type (packages, repository indexes, build manifests) and checks\n' +
    'every payload checksum on the way. --verify also decompresses the content and checks every\n' +
    'file hash. --json prints the decoded structure (the shape of the stone-expected/1 fixtures).',
  flags: {
    files: { short: 'f', description: 'List every layout entry (default: the first 20)' },
    verify: { description: 'Also decompress the content and verify every file hash' },
  },
  examples: [
    ['moss inspect bash-completion-2.11-1-1-x86_64.stone', 'metadata, payloads and the start of the layout'],
    ['moss inspect --files --verify pkg.stone', 'every path, and a full integrity check'],
    ['moss inspect --json stone.index', 'the decoded index as JSON'],
  ],
  async run({ args, globals, io }) {
    const json = globals.json === true;
    for (const [i, file] of args.positionals.entries()) {
      if (json) {
        io.stdout(`${stringifyJson(await inspectStone(file))}\n`);
        continue;
      }
      if (i > 0) io.stdout('\n');
      const v = await view(file, args.flags.verify === true);
      io.stdout(`${renderInspect(v, { files: args.flags.files === true, limit: 20 }).join('\n')}\n`);
    }
    return EXIT.ok;
  },
};
