import { type Command, EXIT, escapeControl } from '@serpent/cli';
import { type Dependency, formatDependency, type PackageMeta } from '@serpent/stone';
import { installedPackages, repositoryCandidates } from '@serpent/system';
import { bestByName } from './list.js';
import { rootOf, withReadRoot } from './open-root.js';

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
    return withReadRoot(ctx, async (inst) => {
      const installed = installedPackages(inst);
      let available: Awaited<ReturnType<typeof repositoryCandidates>> | undefined;
      const out: unknown[] = [];
      for (const q of args.positionals) {
        const want = q.includes('(') ? q : `name(${q})`;
        const provides = (p: { meta: { name: string; provides: readonly Dependency[] } }) =>
          p.meta.name === q ||
          [`name(${p.meta.name})`, ...p.meta.provides.map(formatDependency)].includes(want);
        const hit = installed.find(provides);
        const stored = hit ? inst.dbs.install.getPackage(hit.id) : undefined;
        // Not installed: the best candidate the repositories offer.
        if (!hit) available ??= bestByName(await repositoryCandidates(rootOf(ctx)));
        const offer = hit ? undefined : available?.find(provides);
        const m = stored?.meta ?? (offer?.meta as PackageMeta | undefined);
        if (m === undefined) {
          io.stderr(
            `error: no installed or available package provides ${escapeControl(q)}\nhint: \`moss search WORD\` finds packages; \`moss repo update\` refreshes the indexes\n`,
          );
          return EXIT.failure;
        }
        const status = hit
          ? `Installed${hit.explicit ? '' : ' (as a dependency)'}`
          : `Not installed (available from ${offer!.repo})`;
        const files =
          args.flags.files && hit
            ? (inst.dbs.layout.layoutsOf([hit.id]).get(hit.id) ?? [])
                .filter((e) => e.type !== 'directory')
                .map(
                  (e) =>
                    `/usr/${e.target}${e.type === 'regular' ? ` (${e.hash})` : e.type === 'symlink' ? ` -> ${e.source}` : ''}`,
                )
            : undefined;
        if (globals.json === true) {
          out.push({
            id: hit?.id ?? offer!.id,
            name: m.name,
            status: hit ? 'installed' : 'available',
            ...(hit ? { explicit: hit.explicit } : { repository: offer!.repo }),
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
        // Every value comes from a package or an index: control characters are shown, not obeyed.
        const row = (k: string, v: string) => io.stdout(`${k.padEnd(18)}${escapeControl(v)}\n`);
        row('Name', m.name);
        row('Status', status);
        row('Version', m.version);
        row('Release number', String(m.release));
        if (m.buildRelease > 1) row('Build release', String(m.buildRelease));
        row('Homepage', m.homepage);
        row('Summary', m.summary);
        io.stdout(
          `${'Description'.padEnd(18)}${escapeControl(m.description.trim(), { keepNewlines: true }).replace(/\n/g, `\n${' '.repeat(18)}`)}\n`,
        );
        row('Licenses', m.licenses.join(', '));
        io.stdout('Dependencies\n');
        for (const d of m.depends.map(formatDependency).sort()) io.stdout(`    - ${escapeControl(d)}\n`);
        io.stdout('Providers\n');
        for (const d of [`name(${m.name})`, ...m.provides.map(formatDependency)].sort())
          io.stdout(`    - ${escapeControl(d)}\n`);
        if (files) {
          io.stdout('Files\n');
          for (const f of files) io.stdout(`    ${escapeControl(f)}\n`);
        }
        io.stdout('\n');
      }
      if (globals.json === true) io.stdout(`${JSON.stringify(out, null, 2)}\n`);
      return EXIT.ok;
    });
  },
};
