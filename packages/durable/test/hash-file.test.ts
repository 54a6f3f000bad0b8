import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hash-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashFile', () => {
  it('hashes files of every size (empty, one chunk, several) as node:crypto does', async () => {
    for (const size of [0, 1, 1 << 20, (3 << 20) + 7]) {
      const data = Buffer.alloc(size, size % 251);
      const file = join(dir, `f${size}`);
      writeFileSync(file, data);
      expect(await hashFile(file)).toBe(createHash('sha256').update(data).digest('hex'));
      expect(await hashFile(file, { algorithm: 'sha1' })).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });

  it('hashes through a handle the caller keeps open', async () => {
    const file = join(dir, 'handle');
    writeFileSync(file, 'abc');
    const fh = await open(file, 'r');
    expect(await hashFile(fh)).toBe(createHash('sha256').update('abc').digest('hex'));
    expect((await fh.stat()).size).toBe(3);
    await fh.close();
  });

  it('fails with the errno of a missing file', async () => {
    await expect(hashFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
