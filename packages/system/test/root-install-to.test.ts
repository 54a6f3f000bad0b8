import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { repositoryCacheDir, writeIndex } from '@serpent/repository';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRoot } from '../src/root/open-root.js';
import type { ExplicitRepositories } from '../src/root/root-types.js';
import { TARGET_LEDGER } from '../src/transaction/target-ledger.js';
import { tempDir } from './helpers.js';
import { stone } from './stones.js';

// `plan({ add, to, repositories })`, as boulder sets up a build root from its persistent moss
// dir: the profile's repositories used without being configured (fetched once, then only when
// asked), downloads and assets shared by every target, and a target whose usr/ already is the
// packages' tree kept as it is. A real HTTP server counts what is asked of it.
const work = tempDir('serpent-install-to-');
const requests: string[] = [];
let server: Server;
let uri: string;

beforeAll(async () => {
  const repo = join(work.dir, 'repo');
  mkdirSync(repo);
  await stone(repo, 'libgreet', { 'lib/libgreet.so.1': 'greet v1\n' });
  await stone(
    repo,
    'hello',
    { 'bin/hello': '#!/bin/sh\necho hello\n', 'share/hello/a': 'a\n', 'share/hello/deep/b': 'b\n' },
    { depends: ['name(libgreet)'] },
  );
  await stone(repo, 'extra', { 'share/extra/e': 'e\n' });
  await writeIndex(repo);
  // Static files with an ETag, answering a matching If-None-Match with 304 as real servers do.
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const file = join(repo, normalize(decodeURIComponent(req.url ?? '/')));
    if (!file.startsWith(repo) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { etag, 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stone.index`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  work.remove();
});

function dir(name: string): string {
  const d = join(work.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

const explicit = (extra: Partial<ExplicitRepositories> = {}): ExplicitRepositories => ({
  list: [{ id: 'profile-repo', uri }],
  client: 'boulder',
  ...extra,
});

/** Requests made while `fn` runs. */
async function counting(fn: () => Promise<unknown>): Promise<string[]> {
  const from = requests.length;
  await fn();
  return requests.slice(from);
}

describe('install --to from explicit repositories', () => {
  it('fetches an index once, configures nothing, and shares downloads and assets between targets', async () => {
    const moss = dir('moss-shared');
    await using root = await openRoot(moss);
    const first = dir('first');
    const asked = await counting(async () => {
      const plan = await root.plan({ add: ['hello'], to: first, repositories: explicit() });
      expect(plan.install.map((p) => p.name).sort()).toEqual(['hello', 'libgreet']);
      expect((await root.commit(plan)).target?.kept).toBe(false);
    });
    expect(asked.filter((r) => r.endsWith('/stone.index'))).toHaveLength(1);
    expect(asked.filter((r) => r.endsWith('.stone'))).toHaveLength(2);
    expect(readFileSync(join(first, 'usr/bin/hello'), 'utf8')).toContain('echo hello');
    // Nothing configured; the index cached where the original boulder caches it.
    expect((await root.repositories.list()).repositories).toEqual([]);
    expect(existsSync(join(await repositoryCacheDir(moss, uri, 'boulder'), 'stone.index'))).toBe(true);
    expect(existsSync(join(await repositoryCacheDir(moss, uri, 'moss'), 'stone.index'))).toBe(false);

    // A second target: no request at all, the same store assets linked.
    const second = dir('second');
    const again = await counting(async () => {
      const r = await root.commit(await root.plan({ add: ['hello'], to: second, repositories: explicit() }));
      expect(r.target?.kept).toBe(false);
    });
    expect(again).toEqual([]);
    expect(statSync(join(second, 'usr/bin/hello')).ino).toBe(statSync(join(first, 'usr/bin/hello')).ino);

    // `update` asks again; the unchanged index costs one conditional request.
    const updated = await counting(() =>
      root.plan({ add: ['hello'], to: second, repositories: explicit({ update: true }) }),
    );
    expect(updated).toEqual(['GET /stone.index']);
    // `boulder profile update`: the same refresh without a plan.
    const refreshed = await root.repositories.refreshExplicit(explicit());
    expect(refreshed).toEqual([{ repo: 'profile-repo', packages: 3, notModified: true }]);
    expect((await root.repositories.list()).repositories).toEqual([]);
    // A 304 keeps the rows it had: the packages still resolve, with nothing asked again.
    const after = await counting(async () => {
      const plan = await root.plan({ add: ['hello'], to: second, repositories: explicit() });
      expect(plan.install.map((p) => p.name).sort()).toEqual(['hello', 'libgreet']);
    });
    expect(after).toEqual([]);
  });

  it('refuses `repositories` with anything but `add`', async () => {
    await using root = await openRoot(dir('moss-invalid'));
    await expect(root.plan({ remove: ['x'], repositories: explicit() })).rejects.toMatchObject({
      code: 'TX_PLAN_INVALID',
    });
  });
});

describe('install --to keeps a tree that already is the packages', () => {
  it('keeps DIR/usr for the same packages, and blits again after a change, a write or without its ledger', async () => {
    await using root = await openRoot(dir('moss-keep'));
    const t = dir('keep');
    const to = async (add: string[]) =>
      (await root.commit(await root.plan({ add, to: t, repositories: explicit() }))).target!;
    expect((await to(['hello'])).kept).toBe(false);
    const usrIno = statSync(join(t, 'usr')).ino;
    expect(existsSync(join(t, TARGET_LEDGER))).toBe(true);

    // The same packages: nothing fetched or written, the very same tree.
    const asked = await counting(async () => expect((await to(['hello'])).kept).toBe(true));
    expect(asked).toEqual([]);
    expect(statSync(join(t, 'usr')).ino).toBe(usrIno);

    // Another set of packages: a new tree.
    expect((await to(['hello', 'extra'])).kept).toBe(false);
    expect(existsSync(join(t, 'usr/share/extra/e'))).toBe(true);
    expect((await to(['hello', 'extra'])).kept).toBe(true);

    // Something written into a directory of the tree (deep down): not kept, and gone after.
    writeFileSync(join(t, 'usr/share/hello/deep/stray'), 'x');
    expect((await to(['hello', 'extra'])).kept).toBe(false);
    expect(existsSync(join(t, 'usr/share/hello/deep/stray'))).toBe(false);

    // A file removed from the tree: not kept, and back after.
    rmSync(join(t, 'usr/share/hello/a'));
    expect((await to(['hello', 'extra'])).kept).toBe(false);
    expect(readFileSync(join(t, 'usr/share/hello/a'), 'utf8')).toBe('a\n');

    // No ledger (an older tree, or one a run was interrupted in): never kept.
    rmSync(join(t, TARGET_LEDGER));
    expect((await to(['hello', 'extra'])).kept).toBe(false);
    expect((await to(['hello', 'extra'])).kept).toBe(true);
  });
});
