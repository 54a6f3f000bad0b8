import { join, resolve } from 'node:path';
import { type Command, EXIT, flagString, progressBar } from '@serpent/cli';
import { extractStone, StoneReader } from '@serpent/stone';

export const extractCommand: Command = {
  name: 'extract',
  summary: 'Unpack .stone packages into directories, with modes and symlinks',
  synopsis: 'FILE... [-o DIR]',
  description:
    'Each package goes to DIR/<name>-<version>-<release>.<arch>/usr/... (DIR defaults to the\n' +
    'current directory). Every file hash is verified first; a damaged stone, a hostile path or\n' +
    'a special file leaves nothing behind. The target directory must not exist or be empty.',
  flags: {
    'output-dir': {
      short: 'o',
      value: true,
      placeholder: 'DIR',
      description: 'Where to extract (default .)',
    },
  },
  examples: [
    ['moss extract hello-2.0-3-1-x86_64.stone', 'creates ./hello-2.0-3.x86_64/usr/...'],
    ['moss extract -o /tmp/pkgs *.stone', 'one directory per package under /tmp/pkgs'],
  ],
  async run({ args, globals, io }) {
    const outBase = resolve(flagString(args, 'output-dir') ?? '.');
    for (const file of args.positionals) {
      const meta = await StoneReader.open(file).then(async (s) => {
        try {
          return await s.meta();
        } finally {
          await s.close();
        }
      });
      const outDir = join(outBase, `${meta.name}-${meta.version}-${meta.release}.${meta.architecture}`);
      const bar = progressBar(io, `Extracting ${meta.name} (%)`, 100);
      const r = await extractStone(file, outDir, {
        onEvent: (e) => bar.update(Math.round((100 * e.done) / Math.max(1, e.total)), e.type),
      });
      bar.done();
      if (globals.json === true) io.stdout(`${JSON.stringify({ file, ...r })}\n`);
      else
        io.stdout(
          `Extracted ${file} → ${outDir} (${r.files} files, ${r.directories} directories, ${r.symlinks} symlinks)\n`,
        );
    }
    return EXIT.ok;
  },
};
