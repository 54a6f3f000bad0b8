import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBuildManifest, encodeRepositoryIndex, sha256, writePackage } from '@serpent/stone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, moss, mossAsync } from './support/paths.js';

// issue 14, C6 and C9, through the real binary: a remote index that names local files, and
// names and files with control characters or path steps.
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss hostile-input e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-hostile-e2e-'));
let server: Server;
let base = '';
const served = new Map<string, Uint8Array>();
const hits: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});
function newRoot(name: string): string {
  const root = join(work, 'roots', name);
  mkdirSync(root, { recursive: true });
  return root;
}
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  version: '1.0',
  release: 1,
  buildRelease: 1,
  architecture: 'x86_64',
  summary: `${name} package`,
  description: `${name}.`,
  homepage: 'https://example.org',
  sourceId: name,
  licenses: ['MPL-2.0'],
  depends: [],
  provides: [],
  conflicts: [],
  ...extra,
});

describe.skipIf(skip !== undefined)('a remote index cannot make moss read local files (C6)', () => {
  it('refuses an http:// index naming file:///etc/shadow: nothing cached, nothing read, nothing installed', async () => {
    // A real local file standing for /etc/shadow, so the test can tell whether it was read.
    const secret = join(work, 'shadow');
    writeFileSync(secret, 'root:$6$secret:19000:0:99999:7:::\n');
    const uri = `file://${secret}`;
    served.set(
      '/evil/stone.index',
      await encodeRepositoryIndex([
        {
          ...meta('shadow'),
          packageUri: uri,
          packageHash: sha256(readFileSync(secret)),
          packageSize: readFileSync(secret).length,
        },
      ]),
    );
    const root = newRoot('evil');
    const add = await mossAsync(['-D', root, 'repo', 'add', 'evil', `${base}/evil/stone.index`]);
    expect(add.status).toBe(1);
    expect(add.stderr).toContain('leaves the index');
    expect(add.stderr).toContain(uri);
    const install = await mossAsync(['-D', root, 'install', 'shadow', '-y']);
    expect(install.status).toBe(1);
    expect(existsSync(join(root, '.moss/cache/downloads/v1'))).toBe(false);
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });
});

describe.skipIf(skip !== undefined)('--max-index-size caps every index moss fetches (C11)', () => {
  it('refuses an index above the limit before its body is read, and configures nothing', async () => {
    const index = await encodeRepositoryIndex([
      { ...meta('sized'), packageUri: 'sized.stone', packageHash: 'a'.repeat(64), packageSize: 1 },
    ]);
    served.set('/sized/stone.index', index);
    const root = newRoot('sized');
    const uri = `${base}/sized/stone.index`;
    const small = await mossAsync([
      '-D',
      root,
      '--max-index-size',
      '100',
      'repo',
      'add',
      'sized',
      uri,
      '--json',
    ]);
    expect(small.status, small.stderr).toBe(1);
    const err = JSON.parse(small.stdout).error as { code: string; hint: string; details: { cause: string } };
    expect(err.code).toBe('TX_REPOSITORY_NOT_ADDED');
    expect(err.details.cause).toBe('REPO_INDEX_TOO_LARGE');
    expect(err.hint).toContain('--max-index-size');
    const text = await mossAsync(['-D', root, 'repo', 'add', 'sized', uri, '--max-index-size', '100']);
    expect(text.stderr).toContain('more than the index size limit of 100 bytes');
    expect(JSON.parse(moss(['-D', root, 'repo', 'list', '--json']).stdout)).toEqual([]);
    // A unit is understood, and a limit the index fits in takes it.
    const fits = await mossAsync(['-D', root, 'repo', 'add', 'sized', uri, '--max-index-size', '1K']);
    expect(fits.status, fits.stderr).toBe(0);
    const bad = moss(['-D', root, 'repo', 'update', '--max-index-size', 'lots']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-index-size must be a size');
  });
});

describe.skipIf(skip !== undefined)('names and files with control characters or path steps (C9)', () => {
  it('info -f, list and search show control characters in names, files and summaries instead of obeying them', async () => {
    const stones = join(work, 'stones');
    mkdirSync(stones, { recursive: true });
    const file = join(stones, 'weird-1.0-1-1-x86_64.stone');
    await writePackage(file, {
      meta: meta('weird', { summary: 'red \x1b[31mALERT\x1b[0m\x1b]0;title\x07 summary' }),
      entries: [
        {
          type: 'regular',
          target: 'share/weird/two\nlines',
          mode: 0o644,
          content: new TextEncoder().encode('a'),
        },
        {
          type: 'regular',
          target: 'share/weird/\x1b[2Jclear',
          mode: 0o644,
          content: new TextEncoder().encode('b'),
        },
      ],
      level: 3,
    });
    const root = newRoot('weird');
    expect(moss(['-D', root, 'install', file, '-y']).status).toBe(0);
    const info = moss(['-D', root, 'info', '-f', 'weird']);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).not.toContain('\x1b');
    expect(info.stdout).not.toContain('\x07');
    expect(info.stdout).toContain('/usr/share/weird/two\\nlines (');
    expect(info.stdout).toContain('/usr/share/weird/\\x1b[2Jclear (');
    expect(info.stdout).toContain('red \\x1b[31mALERT');
    for (const args of [
      ['list', 'installed'],
      ['search', '-i', 'weird'],
    ]) {
      const r = moss(['-D', root, ...args]);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('\x1b');
      expect(r.stdout).toContain('\\x1b[31mALERT');
    }
    // JSON keeps the exact bytes (escaped by JSON itself) for programs.
    const json = JSON.parse(moss(['-D', root, 'info', '-f', '--json', 'weird']).stdout) as {
      files: { path: string }[];
    }[];
    expect(json[0]!.files.some((f) => f.path === '/usr/share/weird/two\nlines')).toBe(true);
  });

  it('refuses a package named ../.. from a stone and from `moss index`, changing nothing', async () => {
    const dir = join(work, 'dotdot');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'dotdot.stone');
    await writePackage(file, {
      meta: meta('../..'),
      entries: [{ type: 'regular', target: 'share/x', mode: 0o644, content: new TextEncoder().encode('x') }],
      level: 3,
    });
    const root = newRoot('dotdot');
    const r = moss(['-D', root, 'install', file, '-y', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('TX_BAD_PACKAGE_NAME');
    expect(existsSync(join(root, 'usr'))).toBe(false);
    const idx = moss(['index', dir, '--json']);
    expect(idx.status).toBe(1);
    const err = JSON.parse(idx.stdout).error as { code: string; message: string };
    expect(err.code).toBe('REPO_INDEX_INVALID');
    expect(err.message).toContain('"../.."');
    expect(existsSync(join(dir, 'stone.index'))).toBe(false);
    // A version with a path step is refused too: it becomes part of a directory name.
    const versioned = join(work, 'versioned.stone');
    await writePackage(versioned, {
      meta: meta('fine', { version: '1.0/../../../etc' }),
      entries: [{ type: 'regular', target: 'share/y', mode: 0o644, content: new TextEncoder().encode('y') }],
      level: 3,
    });
    const v = moss(['-D', root, 'install', versioned, '-y', '--json']);
    expect(JSON.parse(v.stdout).error.code).toBe('TX_BAD_PACKAGE_NAME');
  });

  it('refuses to install a repository index or a build manifest as a package, changing nothing', async () => {
    const dir = join(work, 'not-packages');
    mkdirSync(dir, { recursive: true });
    const pkg = join(dir, 'real.stone');
    await writePackage(pkg, {
      meta: meta('real'),
      entries: [
        { type: 'regular', target: 'share/real', mode: 0o644, content: new TextEncoder().encode('r') },
      ],
      level: 3,
    });
    expect(moss(['index', dir]).status).toBe(0);
    // Named like packages: moss takes an argument ending in .stone as a file to install.
    const index = join(work, 'index.stone');
    writeFileSync(index, readFileSync(join(dir, 'stone.index')));
    const manifest = join(work, 'manifest.stone');
    writeFileSync(manifest, await encodeBuildManifest([meta('real')]));
    const root = newRoot('not-packages');
    for (const [file, kind] of [
      [index, 'repository index'],
      [manifest, 'build manifest'],
    ] as const) {
      const r = moss(['-D', root, 'install', file, '-y', '--json']);
      expect(r.status, r.stderr).toBe(1);
      const err = JSON.parse(r.stdout).error as { code: string; message: string };
      expect(err.code).toBe('TX_NOT_A_PACKAGE');
      expect(err.message).toContain(file);
      expect(err.message.toLowerCase()).toContain(kind);
    }
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });
});
