import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeRepositoryIndex, StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findProfile,
  loadProfiles,
  parseRepositorySpec,
  profileId,
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

  it('refreshes each repository index into the cache', async () => {
    const index = join(dir, 'stone.index');
    writeFileSync(index, await encodeRepositoryIndex([], { level: 1 }));
    const got = await updateProfile(
      {
        id: 'local',
        repositories: { r: { uri: pathToFileURL(index).href, description: '', priority: 0, active: true } },
      },
      join(dir, 'cache'),
    );
    expect(got).toHaveLength(1);
    expect(readFileSync(got[0]!.path)).toEqual(readFileSync(index));
    const reader = await StoneReader.open(got[0]!.path);
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
});
