import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, mossAsync } from './support/paths.js';
import { makeStone } from './support/stones.js';

// Signed repository indexes through the real moss and a real HTTP server on 127.0.0.1: keys
// from `moss keygen`, indexes signed by `moss index --sign` (and checked by the real minisign),
// and a repository with trusted keys refusing a tampered index, a missing signature, another
// key and a replayed older index, each with nothing changed; key rotation with two keys.
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss signed-repository e2e: ${skip}`);
const HAVE_MINISIGN = spawnSync('minisign', ['-v']).status === 0;
if (!HAVE_MINISIGN)
  console.warn(
    'skipping the minisign checks: minisign is not installed (scripts/system-deps.mjs installs it)',
  );
const work = mkdtempSync(join(tmpdir(), 'moss-signed-e2e-'));
let server: Server;
let base = '';

beforeAll(async () => {
  if (skip) return;
  server = createServer((req, res) => {
    const file = join(work, 'www', decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  rmSync(work, { recursive: true, force: true });
});

const m = (root: string, ...args: string[]) => mossAsync(['-D', root, ...args]);
const ok = async (args: string[]) => {
  const r = await mossAsync(args);
  expect(r.status, `moss ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const www = (name: string) => join(work, 'www', name);

/** Writes the stones of `specs` into the served directory `name` (replacing it) and indexes it. */
async function publish(
  name: string,
  specs: Parameters<typeof makeStone>[1][],
  sign?: string,
): Promise<string> {
  rmSync(www(name), { recursive: true, force: true });
  mkdirSync(www(name), { recursive: true });
  for (const s of specs) await makeStone(www(name), s);
  await ok(['index', www(name), ...(sign ? ['--sign', sign] : [])]);
  return `${base}/${name}/stone.index`;
}
const nano = (text: string, release = 1) => ({
  name: 'nano',
  version: '8.0',
  release,
  files: { 'bin/nano': { content: `#!/bin/sh\necho ${text}\n`, mode: 0o755 } },
});

/** What a refused update must leave as it was: the cached index files, the packages offered, the states. */
async function snapshot(root: string) {
  const repoDirs = join(root, '.moss/repo');
  const files = readdirSync(repoDirs)
    .flatMap((d) => readdirSync(join(repoDirs, d)).map((f) => join(repoDirs, d, f)))
    .filter((f) => /stone\.index(\.minisig)?$/.test(f))
    .sort()
    .map((f) => [f, readFileSync(f).toString('base64')]);
  return {
    files,
    available: (await m(root, 'list', 'available', '--json')).stdout,
    states: (await m(root, 'state', 'list', '--json')).stdout,
  };
}

describe.skipIf(skip !== undefined)('signed repository indexes', () => {
  const keys = () => join(work, 'keys');
  // The repository's signing key, made by the real binary like every other key here.
  beforeAll(async () => {
    mkdirSync(keys(), { recursive: true });
    await ok(['keygen', join(keys(), 'repo.key')]);
  });

  it('keygen writes a 0600 secret key and its .pub, and never overwrites them', async () => {
    const file = join(keys(), 'fresh.key');
    const r = await ok(['keygen', file]);
    expect(r.stdout).toMatch(/^Secret key [0-9A-F]+ written to /);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${file}.pub`, 'utf8')).toMatch(
      /^untrusted comment: minisign public key [0-9A-F]+\nRW/,
    );
    const before = readFileSync(file);
    const again = await mossAsync(['keygen', file]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists; a key is never overwritten');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it.skipIf(!HAVE_MINISIGN)('the real minisign verifies what moss index --sign wrote', async () => {
    await publish('checked', [nano('hello')], join(keys(), 'repo.key'));
    const v = spawnSync(
      'minisign',
      ['-V', '-p', join(keys(), 'repo.key.pub'), '-m', join(www('checked'), 'stone.index')],
      { encoding: 'utf8' },
    );
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/Trusted comment: timestamp:\d+\tfile:stone\.index\thashed/);
  });

  it('refuses a tampered index, a missing signature and another key, naming repository, key and package, with nothing changed', async () => {
    const key = join(keys(), 'repo.key');
    const keyId = /[0-9A-F]+$/.exec(readFileSync(`${key}.pub`, 'utf8').split('\n')[0]!)![0];
    const uri = await publish('signed', [nano('genuine')], key);
    const root = join(work, 'roots', 'signed');
    mkdirSync(root, { recursive: true });
    const add = await m(root, 'repo', 'add', 'signed', uri, '--key', `${key}.pub`);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toContain(`signed added, trusting key ${keyId}`);
    expect((await m(root, 'repo', 'list')).stdout).toContain(
      `trusted keys: ${keyId}; index signed by ${keyId}`,
    );
    const good = await snapshot(root);

    // A mirror swaps nano for its own and re-indexes; the signature it cannot remake stays.
    const genuine = join(work, 'signed-genuine');
    cpSync(www('signed'), genuine, { recursive: true });
    const sig = readFileSync(join(www('signed'), 'stone.index.minisig'));
    await publish('signed', [nano('TROJANS')]); // as long as 'genuine': only the hash differs
    writeFileSync(join(www('signed'), 'stone.index.minisig'), sig);
    const tampered = await m(root, 'repo', 'update', 'signed');
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toContain(
      `the index of signed (${uri}) does not match its signature by key ${keyId}: it was changed after it was signed`,
    );
    expect(tampered.stderr).toContain('the last good index is kept');
    expect(await snapshot(root)).toEqual(good);

    rmSync(join(www('signed'), 'stone.index.minisig'));
    const missing = await m(root, 'repo', 'update', 'signed');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      `signed trusts key ${keyId}, but its index has no signature at ${uri}.minisig`,
    );
    expect(await snapshot(root)).toEqual(good);

    await ok(['keygen', join(keys(), 'intruder.key')]);
    await ok(['index', www('signed'), '--sign', join(keys(), 'intruder.key')]);
    const foreign = await m(root, 'repo', 'update', 'signed');
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(
      new RegExp(`is signed by key [0-9A-F]+, which is not a trusted key of signed \\(trusted: ${keyId}\\)`),
    );
    expect(await snapshot(root)).toEqual(good);

    // Nothing from the refused indexes was used: the last good index still names the genuine
    // nano, so the mirror's stone is refused by name, and nothing is installed.
    const swapped = await m(root, 'install', 'nano', '-y');
    expect(swapped.status).toBe(1);
    expect(swapped.stderr).toMatch(/nano.*signed|signed.*nano/);
    expect(swapped.stderr.toLowerCase()).toContain('sha-256');
    expect(existsSync(join(root, 'usr'))).toBe(false);
    // Once the mirror serves the genuine files again, the genuine nano installs.
    rmSync(www('signed'), { recursive: true });
    cpSync(genuine, www('signed'), { recursive: true });
    expect((await m(root, 'install', 'nano', '-y')).status).toBe(0);
    expect(readFileSync(join(root, 'usr/bin/nano'), 'utf8')).toContain('genuine');
  });

  it('refuses a replayed older signed index (a downgrade) and keeps the newer one', async () => {
    const key = join(keys(), 'repo.key');
    const uri = await publish('replay', [nano('one', 1)], key);
    const old = join(work, 'replay-v1');
    cpSync(www('replay'), old, { recursive: true });
    // The next index is signed later (the signer always moves the timestamp forward).
    await makeStone(www('replay'), nano('two', 2));
    await ok(['index', www('replay'), '--sign', key]);
    const root = join(work, 'roots', 'replay');
    mkdirSync(root, { recursive: true });
    expect((await m(root, 'repo', 'add', 'replay', uri, '--key', `${key}.pub`)).status).toBe(0);
    expect((await m(root, 'install', 'nano', '-y')).status).toBe(0);
    expect(readFileSync(join(root, 'usr/bin/nano'), 'utf8')).toContain('two');
    const newer = await snapshot(root);

    rmSync(www('replay'), { recursive: true });
    cpSync(old, www('replay'), { recursive: true });
    const replayed = await m(root, 'repo', 'update', 'replay');
    expect(replayed.status).toBe(1);
    expect(replayed.stderr).toMatch(
      /before the index already in use \(signed at .*\): an older index was replayed/,
    );
    expect(replayed.stderr).toContain('hint: someone served an older signed index');
    expect(await snapshot(root)).toEqual(newer);
    // A sync that refreshes first stops at the same refusal: the system stays on release 2.
    const sync = await m(root, 'sync', '-u', '-y');
    expect(sync.status).toBe(1);
    expect(sync.stderr).toContain('an older index was replayed');
    expect(readFileSync(join(root, 'usr/bin/nano'), 'utf8')).toContain('two');
    expect(await snapshot(root)).toEqual(newer);
  });

  it('rotates keys: both trusted during the change, then the old one refused', async () => {
    const oldKey = join(keys(), 'repo.key');
    const newKey = join(keys(), 'next.key');
    await ok(['keygen', newKey]);
    const uri = await publish('rotating', [nano('v1')], oldKey);
    const root = join(work, 'roots', 'rotating');
    mkdirSync(root, { recursive: true });
    // 1. Clients trust both keys (re-adding a repository replaces its entry).
    expect(
      (await m(root, 'repo', 'add', 'rotating', uri, '--key', `${oldKey}.pub`, '--key', `${newKey}.pub`))
        .status,
    ).toBe(0);
    // 2. The repository signs with the new key.
    await ok(['index', www('rotating'), '--sign', newKey]);
    expect((await m(root, 'repo', 'update', 'rotating')).status).toBe(0);
    // A mistaken re-add (a key that did not sign the index) changes nothing: the entry before it
    // and its last good index stay.
    await ok(['keygen', join(keys(), 'stranger.key')]);
    const before = await snapshot(root);
    const entry = readFileSync(join(root, 'etc/moss/repo.d/rotating.yaml'), 'utf8');
    const wrong = await m(
      root,
      'repo',
      'add',
      'rotating',
      uri,
      '--key',
      `${join(keys(), 'stranger.key')}.pub`,
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('repository rotating was not changed');
    expect(readFileSync(join(root, 'etc/moss/repo.d/rotating.yaml'), 'utf8')).toBe(entry);
    expect(await snapshot(root)).toEqual(before);
    // 3. Clients drop the old key; an index signed with it is refused from then on.
    expect((await m(root, 'repo', 'add', 'rotating', uri, '--key', `${newKey}.pub`)).status).toBe(0);
    await ok(['index', www('rotating'), '--sign', oldKey]);
    const refused = await m(root, 'repo', 'update', 'rotating');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('which is not a trusted key of rotating');
    expect(readFileSync(join(root, 'etc/moss/repo.d/rotating.yaml'), 'utf8')).toMatch(/keys:\n {4}- RW/);
  });

  it.skipIf(!HAVE_MINISIGN)('accepts an index signed by the real minisign with its own key', async () => {
    const dir = join(work, 'theirs');
    mkdirSync(dir, { recursive: true });
    const g = spawnSync('minisign', ['-G', '-W', '-p', join(dir, 'm.pub'), '-s', join(dir, 'm.key')], {
      encoding: 'utf8',
    });
    expect(g.status, g.stderr).toBe(0);
    const uri = await publish('minisigned', [nano('theirs')]);
    const s = spawnSync(
      'minisign',
      ['-S', '-s', join(dir, 'm.key'), '-m', join(www('minisigned'), 'stone.index')],
      {
        encoding: 'utf8',
      },
    );
    expect(s.status, s.stderr).toBe(0);
    const root = join(work, 'roots', 'minisigned');
    mkdirSync(root, { recursive: true });
    const pub = readFileSync(join(dir, 'm.pub'), 'utf8').split('\n')[1]!;
    const add = await m(root, 'repo', 'add', 'minisigned', uri, '--key', pub);
    expect(add.status, add.stderr).toBe(0);
    expect((await m(root, 'install', 'nano', '-y')).status).toBe(0);
    // And moss index --sign accepts a key minisign made.
    await ok(['index', www('minisigned'), '--sign', join(dir, 'm.key')]);
    expect((await m(root, 'repo', 'update', 'minisigned')).status).toBe(0);
  });
});
