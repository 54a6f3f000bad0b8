import { addProfile, loadProfiles, profileOf, updateProfile } from '@serpent/builder';
import { type Command, commandReport, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { dirsOf, PROFILE_FLAG } from '../globals.js';

const refreshedLine = (u: { repository: string; packages: number; notModified: boolean }) =>
  `refreshed ${u.repository}: ${u.packages} package(s)${u.notModified ? ' (unchanged)' : ''}`;

const list: Command = {
  name: 'list',
  summary: 'List the configured profiles and their repositories',
  examples: [['boulder profile list', 'every profile, one repository a line']],
  async run(ctx) {
    const profiles = await loadProfiles(dirsOf(ctx.globals).configDirs);
    const sorted = [...profiles.values()].sort((a, b) => a.id.localeCompare(b.id));
    commandReport(ctx).result(sorted, (list) =>
      list.flatMap((p) => [
        `${p.id}:`,
        ...Object.entries(p.repositories).map(([rid, r]) => ` - ${rid} = ${r.uri} [${r.priority}]`),
      ]),
    );
  },
};

const add: Command = {
  name: 'add',
  summary: 'Save a new profile and fetch its repository indexes',
  synopsis: 'NAME -r name=ID,uri=URL[,priority=N] [-r ...]',
  flags: {
    repo: {
      short: 'r',
      value: true,
      multiple: true,
      placeholder: 'SPEC',
      description: 'A repository: name=ID,uri=URL[,priority=N]',
    },
  },
  examples: [
    [
      'boulder profile add local -r name=local,uri=file:///srv/repo/stone.index,priority=10',
      'a local repository',
    ],
  ],
  async run(ctx) {
    const [name] = ctx.args.positionals;
    const repos = (ctx.args.flags.repo as string[] | undefined) ?? [];
    if (!name)
      throw new UsageError('profile add needs a NAME', 'boulder profile add NAME -r name=ID,uri=URL');
    if (repos.length === 0) throw new UsageError('profile add needs at least one --repo');
    const r = await addProfile(dirsOf(ctx.globals), name, repos);
    commandReport(ctx).result(r, [`saved profile ${r.id} to ${r.file}`, ...r.refreshed.map(refreshedLine)]);
  },
};

const update: Command = {
  name: 'update',
  summary: 'Refresh the repository indexes of a profile in the moss dir',
  flags: {
    profile: PROFILE_FLAG,
  },
  examples: [['boulder profile update -p local', 'fetch the indexes again']],
  async run(ctx) {
    const dirs = dirsOf(ctx.globals);
    const refreshed = await updateProfile(
      await profileOf(dirs.configDirs, flagString(ctx.args, 'profile')),
      dirs.mossDir,
    );
    commandReport(ctx).result(refreshed, (list) => list.map(refreshedLine));
  },
};

export const profileCommand: Command = {
  name: 'profile',
  summary: 'List, add and refresh build profiles (sets of moss repositories)',
  subcommands: [list, add, update],
};
