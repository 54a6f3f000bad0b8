import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Lock, readLockFile, readModelFile, serializeLock } from '../src/index.ts';
import { locked } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'exported-state-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lock: Lock = {
  format: 'moss-lock',
  version: 1,
  generator: 'moss 0.1.0',
  state: { id: 1, created: '2026-11-01T10:00:00.000Z', summary: 'Install' },
  repositories: [],
  packages: [locked({ name: 'nano' }, true)],
};

describe('lock and model files', () => {
  it('reads and parses a lock and a model from disk', async () => {
    writeFileSync(join(dir, 'a.lock'), serializeLock(lock));
    expect(await readLockFile(join(dir, 'a.lock'))).toEqual(lock);
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\npackages: [nano]\n');
    expect((await readModelFile(join(dir, 'm.yaml'))).packages).toEqual(['nano']);
  });

  it('names a file that cannot be read, with a hint saying how to make one', async () => {
    const missing = join(dir, 'missing.lock');
    await expect(readLockFile(missing)).rejects.toMatchObject({
      code: 'LOCK_UNREADABLE',
      message: `cannot read the lock ${missing}`,
      hint: 'give the path of a lock (`moss state export -o FILE` writes one)',
      details: { file: missing },
    });
    await expect(readModelFile(dir)).rejects.toMatchObject({ code: 'MODEL_UNREADABLE' });
  });

  it('passes on what parsing finds wrong', async () => {
    writeFileSync(join(dir, 'bad.lock'), '{');
    await expect(readLockFile(join(dir, 'bad.lock'))).rejects.toMatchObject({ code: 'LOCK_BAD_JSON' });
  });
});
