import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repositoryCacheDir } from '@serpent/repository';
import { encodeRepositoryIndex, StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addProfile,
  boulderDirs,
  chooseRoot,
  findProfile,
  loadProfiles,
  parseRepositorySpec,
  profileId,
  profileOf,
  saveProfile,
  updateProfile,
} from '../src/index.ts';

describe('profiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'profiles-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('falls back to boulder’s default profile when none is configured', async () => {
    const p = await loadProfiles([join(dir, 'nothing')]);
    expect([...p.keys()]).toEqual(['default-x86_64']);
    expect(p.get('default-x86_64')?.repositories.volatile?.uri).toMatch(/stone\.index$/);
  });

  it('saves, reloads and lets later dirs override earlier ones', async () => {
    const vendor = join(dir, 'vendor');
    const admin = join(dir, 'admin');
    mkdirSync(vendor);
    writeFileSync(
      join(vendor, 'profile.yaml'),
      'local:\n  repositories:\n    a: {uri: "https://a/stone.index"}\n',
    );
    const file = await saveProfile(admin, {
      id: 'local',
      repositories: { b: { uri: 'file:///b/stone.index', description: 'B', priority: 10, active: true } },
    });
    expect(file).toBe(join(admin, 'profile.d', 'local.yaml'));
    const profiles = await loadProfiles([vendor, admin]);
    expect(Object.keys(findProfile(profiles, 'local').repositories)).toEqual(['b']);
    expect(() => findProfile(profiles, 'nope')).toThrow(
      expect.objectContaining({ code: 'BUILD_PROFILE_UNKNOWN' }),
    );
    expect(profileId('my profile/x')).toBe('my_profile_x');
  });

  it('names a file that does not parse instead of skipping it', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'profile.d'), { recursive: true });
    writeFileSync(join(bad, 'profile.d', 'x.yaml'), 'x: [unclosed');
    await expect(loadProfiles([bad])).rejects.toMatchObject({
      code: 'BUILD_PROFILE_INVALID',
      details: { file: join(bad, 'profile.d', 'x.yaml') },
    });
  });

  it('refreshes each repository index into the moss dir, where build roots resolve against it', async () => {
    const index = join(dir, 'stone.index');
    writeFileSync(index, await encodeRepositoryIndex([], { level: 1 }));
    const uri = pathToFileURL(index).href;
    const mossDir = join(dir, 'moss');
    const got = await updateProfile(
      { id: 'local', repositories: { r: { uri, description: '', priority: 0, active: true } } },
      mossDir,
    );
    expect(got).toEqual([{ repository: 'r', packages: 0, notModified: false }]);
    // Where the original boulder keeps its explicit repositories' indexes.
    const cached = join(await repositoryCacheDir(mossDir, uri, 'boulder'), 'stone.index');
    expect(readFileSync(cached)).toEqual(readFileSync(index));
    const reader = await StoneReader.open(cached);
    expect(await reader.metas()).toEqual([]);
    await reader.close();
  });

  it('reads a repository given on the command line, and says what is missing', () => {
    expect(parseRepositorySpec('name=my repo,uri=file:///srv/stone.index,priority=10')).toEqual([
      'my_repo',
      { description: '', uri: 'file:///srv/stone.index', priority: 10, active: true },
    ]);
    expect(() => parseRepositorySpec('uri=file:///x')).toThrow('needs name=ID,uri=URL');
    expect(() => parseRepositorySpec('name=a,uri=b,priority=high')).toThrow('priority must be an integer');
  });

  it('adds a profile: saved, then its indexes fetched; a bad spec writes nothing', async () => {
    const index = join(dir, 'added.index');
    writeFileSync(index, await encodeRepositoryIndex([], { level: 1 }));
    const dirs = boulderDirs({
      configDir: join(dir, 'added-config'),
      cacheDir: join(dir, 'added-cache'),
      mossRoot: join(dir, 'added-moss'),
    });
    const r = await addProfile(dirs, 'my local', [`name=here,uri=${pathToFileURL(index).href},priority=5`]);
    expect(r.id).toBe('my_local');
    expect(r.file).toBe(join(dir, 'added-config', 'profile.d', 'my_local.yaml'));
    expect(r.refreshed).toEqual([{ repository: 'here', packages: 0, notModified: false }]);
    const cached = await repositoryCacheDir(dirs.mossDir, pathToFileURL(index).href, 'boulder');
    expect(readFileSync(join(cached, 'stone.index'))).toEqual(readFileSync(index));
    expect((await profileOf(dirs.configDirs, 'my_local')).repositories.here?.priority).toBe(5);
    await expect(addProfile(dirs, 'bad', ['uri=file:///x'])).rejects.toThrow('needs name=ID,uri=URL');
    await expect(profileOf(dirs.configDirs, 'bad')).rejects.toMatchObject({ code: 'BUILD_PROFILE_UNKNOWN' });
  });

  it('a profile whose index cannot be fetched is not saved, or the one before it is kept', async () => {
    const index = join(dir, 'kept.index');
    writeFileSync(index, await encodeRepositoryIndex([], { level: 1 }));
    const dirs = boulderDirs({
      configDir: join(dir, 'failing-config'),
      cacheDir: join(dir, 'failing-cache'),
      mossRoot: join(dir, 'failing-moss'),
    });
    const missing = `name=gone,uri=${pathToFileURL(join(dir, 'no-such.index')).href}`;
    await expect(addProfile(dirs, 'fresh', [missing])).rejects.toMatchObject({
      code: 'BUILD_PROFILE_NOT_SAVED',
      message: 'profile fresh was not saved: an index of its repositories could not be fetched',
    });
    await expect(profileOf(dirs.configDirs, 'fresh')).rejects.toMatchObject({
      code: 'BUILD_PROFILE_UNKNOWN',
    });
    const { file } = await addProfile(dirs, 'kept', [`name=here,uri=${pathToFileURL(index).href}`]);
    const saved = readFileSync(file);
    await expect(addProfile(dirs, 'kept', [missing])).rejects.toMatchObject({
      code: 'BUILD_PROFILE_NOT_SAVED',
    });
    expect(readFileSync(file)).toEqual(saved);
  });

  it("chooses the host, a named profile, or boulder's default one", async () => {
    const none = [join(dir, 'nothing')];
    const dirs = { configDirs: none, mossDir: join(dir, 'moss') };
    expect(await chooseRoot(dirs, { host: true, profile: 'whatever' })).toBe('host');
    expect(await chooseRoot(dirs, {})).toEqual({
      profile: await profileOf(none, 'default-x86_64'),
      mossDir: join(dir, 'moss'),
    });
    expect(await chooseRoot(dirs, { update: true })).toMatchObject({ update: true });
    await expect(chooseRoot(dirs, { profile: 'nope' })).rejects.toMatchObject({
      code: 'BUILD_PROFILE_UNKNOWN',
    });
  });
});
