import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateKeyPair, signIndex, writeIndex } from '@serpent/repository';
import { afterAll, describe, expect, it } from 'vitest';
import { openRoot } from '../src/root/open-root.js';
import { tempDir } from './helpers.js';
import { stone } from './stones.js';

// Repositories through the Root against a real file:// repository (HTTP, rotation and replay
// through the binary: e2e/test/moss-signed-repositories.test.ts).
const work = tempDir('serpent-repos-');
afterAll(() => work.remove());

describe('Root: repositories', () => {
  it('adds a signed repository and says which keys it trusts, in the result and the listing', async () => {
    const repo = join(work.dir, 'repo');
    mkdirSync(repo);
    await stone(repo, 'hello', { 'bin/hello': '#!/bin/sh\necho hello\n' });
    await writeIndex(repo);
    const key = generateKeyPair();
    await signIndex(repo, key);
    const rootDir = join(work.dir, 'root');
    mkdirSync(rootDir);
    await using root = await openRoot(rootDir);
    const added = await root.repositories.add({
      id: 'signed',
      uri: pathToFileURL(join(repo, 'stone.index')).href,
      keys: [key.publicKey.base64],
    });
    expect(added).toMatchObject({ repo: 'signed', packages: 1, keyIds: [key.id] });
    const [info] = (await root.repositories.list()).repositories;
    expect(info).toMatchObject({ id: 'signed', keyIds: [key.id], trusted: true, signedBy: key.id });
  });
});
