import { type Command, EXIT } from '@serpent/cli';
import { formatDependency } from '@serpent/stone';
import { installedPackages } from '@serpent/system';
import { withRoot } from './open-root.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show a package: version, status, dependencies, providers, files',
  synopsis: 'NAME...',
  flags: { files: { short: 'f', description: 'List the files of installed packages' } },
  examples: [
    ['moss info hello', 'details of the hello package'],
    ["moss info 'binary(hello)'", 'the package that provides the hello binary'],
    ['moss info -f hello', 'and its files'],
  ],
  async run(ctx) {
    const { args, io, globals } = ctx;
    if (args.positionals.length === 0) {
      io.stderr('moss info: no package named\nUsage: moss info NAME...\n');
      return EXIT.usage;
    }
    return withRoot(ctx, async (inst) => {
      const installed = installedPackages(inst);
      const out: unknown[] = [];
      for (const q of args.positionals) {
        const want = q.includes('(') ? q : `name(${q})`;
        const hit = installed.find((p) => p.meta.name === q || [`name(${p.meta.name})`, ...p.meta.provides.map(formatDependency)].includes(want));
        const stored = hit ? inst.dbs.install.getPackage(hit.id) : undefined;
        if (!hit || !stored) {
          io.stderr(`error: no installed package provides ${q}\n`);
          return EXIT.failure;
        }
        const m = stored.meta;
        const files = args.flags.files
          ? (inst.dbs.layout.layoutsOf([hit.id]).get(hit.id) ?? [])
              .filter((e) => e.type !== 'directory')
              .map((e) => `/usr/${e.target}${e.type === 'regular' ? ` (${e.hash})` : e.type === 'symlink' ? ` -> ${e.source}` : ''}`)
          : undefined;
        if (globals.json === true) {
          out.push({
            id: hit.id,
            name: m.name,
            status: 'installed',
            explicit: hit.explicit,
            version: m.version,
            release: m.release,
            buildRelease: m.buildRelease,
            homepage: m.homepage,
            summary: m.summary,
            description: m.description,
            licenses: m.licenses,
            dependencies: m.depends.map(formatDependency),
            providers: [`name(${m.name})`, ...m.provides.map(formatDependency)],
            ...(files ? { files } : {}),
          });
          continue;
        }
        const row = (k: string, v: string) => io.stdout(`${k.padEnd(18)}${v}\n`);
        row('Name', m.name);
        row('Status', `Installed${hit.explicit ? '' : ' (as a dependency)'}`);
        row('Version', m.version);
        row('Release number', String(m.release));
        if (m.buildRelease > 1) row('Build release', String(m.buildRelease));
        row('Homepage', m.homepage);
        row('Summary', m.summary);
        row('Description', m.description.trim().replace(/\n/g, `\n${' '.repeat(18)}`));
        row('Licenses', m.licenses.join(', '));
        io.stdout('Dependencies\n');
        for (const d of m.depends.map(formatDependency).sort()) io.stdout(`    - ${d}\n`);
        io.stdout('Providers\n');
        for (const d of [`name(${m.name})`, ...m.provides.map(formatDependency)].sort()) io.stdout(`    - ${d}\n`);
        if (files) {
          io.stdout('Files\n');
          for (const f of files) io.stdout(`    ${f}\n`);
        }
        io.stdout('\n');
      }
      if (globals.json === true) io.stdout(`${JSON.stringify(out, null, 2)}\n`);
      return EXIT.ok;
    });
  },
};
