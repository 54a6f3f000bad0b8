import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  addRepository,
  loadRepositories,
  removeRepository,
  sanitizeRepositoryId,
  setRepositoryActive,
} from '../src/index.ts';
import { tempDir } from './helpers.ts';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir('config'));
});
afterEach(() => cleanup());

async function put(rel: string, text: string) {
  await mkdir(join(root, rel, '..'), { recursive: true });
  await writeFile(join(root, rel), text);
}

describe('repository configuration', () => {
  it('add writes the original one-entry YAML map to etc/moss/repo.d/<id>.yaml', async () => {
    const repo = await addRepository(root, {
      id: 'my repo!',
      uri: 'https://example.invalid/x86_64/stone.index',
    });
    expect(repo.id).toBe('my_repo_');
    const file = join(root, 'etc/moss/repo.d/my_repo_.yaml');
    expect(repo.source).toBe(file);
    const text = await readFile(file, 'utf8');
    expect(parse(text)).toEqual({
      my_repo_: {
        description: '...',
        uri: 'https://example.invalid/x86_64/stone.index',
        priority: 0,
        active: true,
      },
    });
    expect(text.split('\n')[1]).toBe('  description: ...');
    // No temporary file left behind by the crash-safe write.
    expect(await readdir(join(root, 'etc/moss/repo.d'))).toEqual(['my_repo_.yaml']);
    const { repositories, problems } = await loadRepositories(root);
    expect(problems).toEqual([]);
    expect(repositories).toEqual([repo]);
  });

  it('layers vendor then admin files, admin winning, sorted by priority then id', async () => {
    await put(
      'usr/share/moss/repo.d/volatile.yaml',
      'volatile:\n  description: Vendor\n  uri: https://cdn.invalid/volatile/x86_64/stone.index\n  priority: 0\n',
    );
    await put(
      'usr/share/moss/repo.yaml',
      'unstable:\n  description: U\n  uri: https://cdn.invalid/u/stone.index\n  priority: 5\n',
    );
    await put(
      'etc/moss/repo.d/volatile.yaml',
      'volatile:\n  description: Admin\n  uri: https://mirror.invalid/volatile/stone.index\n  priority: 10\n  active: false\n',
    );
    await addRepository(root, {
      id: 'local',
      uri: 'file:///srv/local/stone.index',
      priority: 100,
      description: 'mine',
    });
    const { repositories } = await loadRepositories(root);
    expect(repositories.map((r) => [r.id, r.priority, r.active, r.scope, r.description])).toEqual([
      ['local', 100, true, 'admin', 'mine'],
      ['volatile', 10, false, 'admin', 'Admin'],
      ['unstable', 5, true, 'vendor', 'U'],
    ]);
  });

  it('skips unparsable files and bad entries but reports them', async () => {
    await put('etc/moss/repo.d/broken.yaml', 'this: [is not: closed\n');
    await put(
      'etc/moss/repo.d/bad.yaml',
      'bad:\n  uri: ftp://x.invalid/stone.index\nworse:\n  uri: https://x.invalid/i\n  priority: -1\n',
    );
    await put('etc/moss/repo.d/good.yaml', 'good:\n  uri: https://x.invalid/stone.index\n');
    const { repositories, problems } = await loadRepositories(root);
    expect(repositories.map((r) => r.id)).toEqual(['good']);
    expect(problems.map((p) => p.file.split('/').pop())).toEqual(['bad.yaml', 'bad.yaml', 'broken.yaml']);
  });

  it('disable and enable save the whole entry as an admin override, even for a vendor repository', async () => {
    await put(
      'usr/share/moss/repo.d/volatile.yaml',
      'volatile:\n  description: V\n  uri: https://cdn.invalid/v/stone.index\n  priority: 3\n',
    );
    const off = await setRepositoryActive(root, 'volatile', false);
    expect([off.scope, off.active, off.priority, off.description]).toEqual(['admin', false, 3, 'V']);
    expect(parse(await readFile(join(root, 'etc/moss/repo.d/volatile.yaml'), 'utf8')).volatile.active).toBe(
      false,
    );
    const on = await setRepositoryActive(root, 'volatile', true);
    expect(on.active).toBe(true);
    const missing = await setRepositoryActive(root, 'nope', true).catch((e: unknown) => e);
    expect(hasCode(missing, 'REPO_NOT_FOUND')).toBe(true);
  });

  it('remove deletes the admin file; a vendor-only repository is refused before anything changes', async () => {
    await put('usr/share/moss/repo.d/volatile.yaml', 'volatile:\n  uri: https://cdn.invalid/v/stone.index\n');
    const vendor = await removeRepository(root, 'volatile').catch((e: unknown) => e);
    expect(hasCode(vendor, 'REPO_VENDOR_CONFIG')).toBe(true);
    expect((vendor as { hint: string }).hint).toContain('repo disable');

    await setRepositoryActive(root, 'volatile', false);
    const removed = await removeRepository(root, 'volatile');
    expect(removed.repository.active).toBe(false);
    // The vendor definition is in effect again.
    expect(removed.revealed?.scope).toBe('vendor');

    await addRepository(root, { id: 'local', uri: 'file:///srv/stone.index' });
    expect((await removeRepository(root, 'local')).revealed).toBeUndefined();
    expect((await loadRepositories(root)).repositories.map((r) => r.id)).toEqual(['volatile']);
    expect(hasCode(await removeRepository(root, 'local').catch((e: unknown) => e), 'REPO_NOT_FOUND')).toBe(
      true,
    );
  });

  it('refuses URIs that are not file or http(s) and negative priorities', async () => {
    expect(
      hasCode(
        await addRepository(root, { id: 'x', uri: 'ftp://a/b' }).catch((e: unknown) => e),
        'REPO_BAD_URI',
      ),
    ).toBe(true);
    expect(
      hasCode(
        await addRepository(root, { id: 'x', uri: 'not a url' }).catch((e: unknown) => e),
        'REPO_BAD_URI',
      ),
    ).toBe(true);
    expect(
      hasCode(
        await addRepository(root, { id: 'x', uri: 'file:///a', priority: -2 }).catch((e: unknown) => e),
        'REPO_CONFIG_INVALID',
      ),
    ).toBe(true);
    expect(sanitizeRepositoryId('a.b/c-d')).toBe('a_b_c-d');
    // Unicode letters and digits stay, as with Rust's char::is_alphanumeric.
    expect(sanitizeRepositoryId('café-２ 😀')).toBe('café-２__');
  });
});
