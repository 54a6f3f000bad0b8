import {
  findProfile,
  loadProfiles,
  parseRepositorySpec,
  profileId,
  saveProfile,
  updateProfile,
} from '@serpent/builder';
import { type Command, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { dirsOf } from '../globals.js';

const list: Command = {
  name: 'list',
  summary: 'List the configured profiles and their repositories',
  examples: [['boulder profile list', 'every profile, one repository a line']],
  async run({ globals, io }) {
    const profiles = await loadProfiles(dirsOf(globals).configDirs);
    if (profiles.size === 0) io.stdout('No profiles have been configured yet\n');
    for (const p of [...profiles.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      io.stdout(`${p.id}:\n`);
      for (const [rid, r] of Object.entries(p.repositories))
        io.stdout(` - ${rid} = ${r.uri} [${r.priority}]\n`);
    }
    return 0;
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
  async run({ args, globals, io }) {
    const [name] = args.positionals;
    const repos = (args.flags.repo as string[] | undefined) ?? [];
    if (!name)
      throw new UsageError('profile add needs a NAME', 'boulder profile add NAME -r name=ID,uri=URL');
    if (repos.length === 0) throw new UsageError('profile add needs at least one --repo');
    const dirs = dirsOf(globals);
    const file = await saveProfile(dirs.saveDir, {
      id: name,
      repositories: Object.fromEntries(repos.map(parseRepositorySpec)),
    });
    io.stdout(`saved profile ${profileId(name)} to ${file}\n`);
    const updated = await updateProfile(
      findProfile(await loadProfiles(dirs.configDirs), profileId(name)),
      dirs.cacheDir,
    );
    for (const u of updated) io.stdout(`refreshed ${u.repository} (${u.bytes} bytes)\n`);
    return 0;
  },
};

const update: Command = {
  name: 'update',
  summary: 'Refresh the repository indexes of a profile',
  flags: {
    profile: {
      short: 'p',
      value: true,
      placeholder: 'ID',
      description: 'The profile (default default-x86_64)',
    },
  },
  examples: [['boulder profile update -p local', 'fetch the indexes again']],
  async run({ args, globals, io }) {
    const dirs = dirsOf(globals);
    const id = flagString(args, 'profile') ?? 'default-x86_64';
    for (const u of await updateProfile(
      findProfile(await loadProfiles(dirs.configDirs), id),
      dirs.cacheDir,
    )) {
      io.stdout(`refreshed ${u.repository} (${u.bytes} bytes) → ${u.path}\n`);
    }
    return 0;
  },
};

export const profileCommand: Command = {
  name: 'profile',
  summary: 'List, add and refresh build profiles (sets of moss repositories)',
  subcommands: [list, add, update],
};
