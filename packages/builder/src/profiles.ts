import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@serpent/durable';
import { isSerpentError, UsageError } from '@serpent/errors';
import { type NewRepository, openRoot } from '@serpent/system';
import { parse, stringify } from 'yaml';
import type { BoulderDirs } from './boulder-dirs.js';
import { BuildError } from './build-error.js';

/** A moss repository a profile builds against. */
export interface ProfileRepository {
  readonly description: string;
  readonly uri: string;
  /** Higher wins in moss. */
  readonly priority: number;
  readonly active: boolean;
}

/** A named set of repositories, as boulder's `profile.yaml` / `profile.d/*.yaml` hold them. */
export interface Profile {
  readonly id: string;
  readonly repositories: Readonly<Record<string, ProfileRepository>>;
}

/** Ids keep letters, digits and `-`; anything else becomes `_` (as boulder does). */
export function profileId(name: string): string {
  return name.replace(/[^A-Za-z0-9-]/g, '_');
}

/** The profile a build uses when none is named. */
export const DEFAULT_PROFILE = 'default-x86_64';

/** The profile shipped with boulder. */
export const DEFAULT_PROFILES: readonly Profile[] = [
  {
    id: DEFAULT_PROFILE,
    repositories: {
      volatile: {
        description: 'Volatile development repository',
        uri: 'https://packages.serpentos.com/volatile/x86_64/stone.index',
        priority: 0,
        active: true,
      },
    },
  },
];

function parseProfiles(text: string, file: string): Profile[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw invalid(file, (e as Error).message);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw invalid(file, 'the top level must be a map of profile ids');
  return Object.entries(doc as Record<string, unknown>).map(([id, body]) => {
    const repos = (body as { repositories?: unknown } | null)?.repositories ?? {};
    if (typeof repos !== 'object' || repos === null)
      throw invalid(file, `profile ${id}: repositories must be a map`);
    const repositories: Record<string, ProfileRepository> = {};
    for (const [rid, r] of Object.entries(repos as Record<string, Record<string, unknown>>)) {
      if (typeof r?.uri !== 'string') throw invalid(file, `profile ${id}, repository ${rid}: uri is missing`);
      repositories[rid] = {
        description: typeof r.description === 'string' ? r.description : '',
        uri: r.uri,
        priority: typeof r.priority === 'number' ? r.priority : 0,
        active: r.active !== false,
      };
    }
    return { id, repositories };
  });
}

function invalid(file: string, why: string): BuildError {
  return new BuildError('BUILD_PROFILE_INVALID', `${file}: ${why}`, {
    hint: 'fix or remove the file; a profile is `<id>: {repositories: {<repo>: {uri, description, priority}}}`',
    details: { file },
  });
}

/**
 * Loads profiles from each config dir in order (`profile.yaml`, then `profile.d/*.yaml`
 * sorted), later definitions replacing earlier ones; with none configured, boulder's default.
 * Unlike the original, a file that does not parse is an error naming it, not silently skipped.
 */
export async function loadProfiles(configDirs: readonly string[]): Promise<Map<string, Profile>> {
  const out = new Map<string, Profile>();
  for (const dir of configDirs) {
    const files = [join(dir, 'profile.yaml')];
    const d = join(dir, 'profile.d');
    const names = await readdir(d).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.endsWith('.yaml')).sort()) files.push(join(d, n));
    for (const f of files) {
      const text = await readFile(f, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      for (const p of parseProfiles(text, f)) out.set(p.id, p);
    }
  }
  if (out.size === 0) for (const p of DEFAULT_PROFILES) out.set(p.id, p);
  return out;
}

/** Writes `<configDir>/profile.d/<id>.yaml` (crash-safely: a temporary name, fsync, rename). */
export async function saveProfile(configDir: string, profile: Profile): Promise<string> {
  const dir = join(configDir, 'profile.d');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${profileId(profile.id)}.yaml`);
  await writeFileAtomic(file, stringify({ [profileId(profile.id)]: { repositories: profile.repositories } }));
  return file;
}

/**
 * A repository given on the command line as `name=ID,uri=URL[,priority=N][,description=TEXT]`
 * (boulder's `profile add -r`); a missing name or URI is a usage error.
 */
export function parseRepositorySpec(text: string): [string, ProfileRepository] {
  const fields = Object.fromEntries(
    text.split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
  if (!fields.name || !fields.uri) {
    throw new UsageError(
      `--repo ${text}: needs name=ID,uri=URL`,
      'e.g. --repo name=local,uri=file:///srv/repo/stone.index,priority=10',
    );
  }
  const priority = fields.priority === undefined ? 0 : Number(fields.priority);
  if (!Number.isInteger(priority)) throw new UsageError(`--repo ${text}: priority must be an integer`);
  return [
    profileId(fields.name),
    { description: fields.description ?? '', uri: fields.uri, priority, active: true },
  ];
}

/** Looks a profile up, with the known ids in the error. */
export function findProfile(profiles: ReadonlyMap<string, Profile>, id: string): Profile {
  const p = profiles.get(id);
  if (!p) {
    throw new BuildError('BUILD_PROFILE_UNKNOWN', `no profile named ${id}`, {
      hint: `known profiles: ${[...profiles.keys()].join(', ') || 'none'}; add one with \`boulder profile add\``,
      details: { profile: id },
    });
  }
  return p;
}

/** A profile's active repositories as moss's explicit repositories (a disabled one offers nothing). */
export function profileRepositories(profile: Profile): NewRepository[] {
  return Object.entries(profile.repositories)
    .filter(([, r]) => r.active)
    .map(([id, r]) => ({ id, uri: r.uri, priority: r.priority, description: r.description }));
}

/**
 * `boulder profile update`: fetches each active repository's index into boulder's moss dir,
 * where build roots resolve against it (the original's cache dirs: `.moss/repo/<h>` for the
 * `boulder` client). A conditional request makes an unchanged index cost one round trip.
 */
export async function updateProfile(
  profile: Profile,
  mossDir: string,
): Promise<Array<{ repository: string; packages: number; notModified: boolean }>> {
  await mkdir(mossDir, { recursive: true });
  await using moss = await openRoot(mossDir, { command: `boulder profile update ${profile.id}` });
  const refreshed = await moss.repositories.refreshExplicit({
    list: profileRepositories(profile),
    client: 'boulder',
  });
  return refreshed.map((r) => ({ repository: r.repo, packages: r.packages, notModified: r.notModified }));
}

/** The profile `id` (default {@link DEFAULT_PROFILE}) of these config dirs. */
export async function profileOf(configDirs: readonly string[], id = DEFAULT_PROFILE): Promise<Profile> {
  return findProfile(await loadProfiles(configDirs), id);
}

/**
 * `boulder profile add`: saves a profile of these repositories (`name=ID,uri=URL[,priority=N]`,
 * see {@link parseRepositorySpec}) in `dirs.saveDir`, then fetches their indexes as
 * `updateProfile` does. When a fetch fails the profile is taken out again (a profile of the
 * same name saved before comes back), as moss does for `repo add`: left saved, it would fail
 * every build that uses it. A spec that does not parse stops it before anything is written.
 */
export async function addProfile(
  dirs: BoulderDirs,
  name: string,
  repositories: readonly string[],
): Promise<{ id: string; file: string; refreshed: Awaited<ReturnType<typeof updateProfile>> }> {
  const id = profileId(name);
  const profile = { id: name, repositories: Object.fromEntries(repositories.map(parseRepositorySpec)) };
  const before = await readFile(join(dirs.saveDir, 'profile.d', `${id}.yaml`)).catch(() => undefined);
  const file = await saveProfile(dirs.saveDir, profile);
  try {
    return { id, file, refreshed: await updateProfile(await profileOf(dirs.configDirs, id), dirs.mossDir) };
  } catch (cause) {
    if (before === undefined) await rm(file, { force: true });
    else await writeFileAtomic(file, before);
    const why = isSerpentError(cause) ? cause : undefined;
    throw new BuildError(
      'BUILD_PROFILE_NOT_SAVED',
      before === undefined
        ? `profile ${id} was not saved: an index of its repositories could not be fetched`
        : `profile ${id} was not changed: an index of its new repositories could not be fetched (the previous profile is kept)`,
      {
        cause,
        hint: why?.hint ?? 'check the repository URIs and the network, then run `boulder profile add` again',
        details: { profile: id, ...(why ? { cause: why.code } : {}) },
      },
    );
  }
}
