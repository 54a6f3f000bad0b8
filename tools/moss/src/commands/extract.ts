import { resolve } from 'node:path';
import { type Command, commandReport, flagString } from '@serpent/cli';
import { hasCode, SerpentError } from '@serpent/errors';
import { extractStoneInto } from '@serpent/vfs';

export const extractCommand: Command = {
  name: 'extract',
  summary: 'Unpack .stone packages into directories, with modes and symlinks',
  synopsis: 'FILE... [-o DIR] [--overwrite]',
  description:
    'Each package goes to DIR/<name>-<version>-<release>.<arch>/usr/... (DIR defaults to the\n' +
    'current directory). The layout is checked as an install checks it (paths outside /usr,\n' +
    'files through symlinks, conflicts) and every file hash is verified first; a damaged or\n' +
    'hostile stone leaves nothing behind. A package directory that exists and is not empty is\n' +
    'left alone unless --overwrite replaces it (once the new one is complete).',
  flags: {
    'output-dir': {
      short: 'o',
      value: true,
      placeholder: 'DIR',
      description: 'Where to extract (default .)',
    },
    overwrite: { description: 'Replace a package directory that already exists' },
  },
  examples: [
    ['moss extract hello-2.0-3-1-x86_64.stone', 'creates ./hello-2.0-3.x86_64/usr/...'],
    ['moss extract -o /tmp/pkgs *.stone', 'one directory per package under /tmp/pkgs'],
    ['moss extract --overwrite hello-2.0-3-1-x86_64.stone', 'replaces ./hello-2.0-3.x86_64'],
  ],
  async run(ctx) {
    const { args } = ctx;
    const report = commandReport(ctx);
    const outBase = resolve(flagString(args, 'output-dir') ?? '.');
    const overwrite = args.flags.overwrite === true;
    const done: object[] = [];
    for (const file of args.positionals) {
      const bar = report.progress(`Extracting ${file} (%)`, 100);
      const r = await extractStoneInto(file, outBase, {
        overwrite,
        onEvent: (e) => bar.update(Math.round((100 * e.done) / Math.max(1, e.total)), e.type),
      }).catch((err: unknown) => {
        bar.done();
        if (!hasCode(err, 'VFS_TARGET_NOT_EMPTY')) throw err;
        throw new SerpentError(err.code, err.message, {
          hint: 'remove it, choose another -o DIR, or pass --overwrite to replace it',
          details: { ...err.details },
        });
      });
      bar.done();
      done.push({ file, ...r });
      report.line([
        `Extracted ${file} → ${r.outDir} (${r.files} files, ${r.directories} directories, ${r.symlinks} symlinks)`,
      ]);
    }
    report.result(done);
  },
};
