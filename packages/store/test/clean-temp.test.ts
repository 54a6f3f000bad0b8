import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.ts';
import { tempDir } from './helpers.ts';

describe('temporary files', () => {
  it('deletes those of dead writers on open, keeps those of live ones unless a day old', async () => {
    const dir = await tempDir();
    const root = join(dir, 'root');
    const first = await openStore(root);
    // A pid that certainly exited: a child we ran to completion.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const live = process.ppid; // vitest's parent: alive for the whole test
    const deadFile = join(first.tempDir, `${dead}.1.0123456789abcdef0123456789abcdef`);
    const liveFile = join(first.tempDir, `${live}.1.0123456789abcdef0123456789abcdef`);
    const oldLiveFile = join(first.tempDir, `${live}.2.0123456789abcdef0123456789abcdef`);
    const junk = join(first.tempDir, 'junk');
    for (const f of [deadFile, liveFile, oldLiveFile, junk]) await writeFile(f, 'partial');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(oldLiveFile, twoDaysAgo, twoDaysAgo);

    const store = await openStore(root);
    expect(existsSync(deadFile)).toBe(false);
    expect(existsSync(junk)).toBe(false);
    expect(existsSync(oldLiveFile)).toBe(false);
    expect(existsSync(liveFile)).toBe(true);
    expect(await store.cleanTemp()).toBe(0);
  });
});
