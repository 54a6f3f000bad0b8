import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import { writePackage } from '@serpent/stone';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFilesystem } from '../src/fs/sync-filesystem.js';
import { openRoot } from '../src/index.js';
import { disksUnavailable, failingDisk, type TestDisk } from './disks.js';
import { tempDir } from './helpers.js';

const skip = disksUnavailable();
if (skip) console.warn(`skipping the writeback-error tests: ${skip}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function disk(): TestDisk {
  const d = failingDisk();
  cleanups.push(() => d.unmount());
  return d;
}

// issue 14, C10: syncfs's EIO was caught and a plain `sync` (status ignored) ran instead, so
// the database rows and the swap went ahead over data the disk never held.
describe.skipIf(skip !== undefined)('a writeback error stops the transaction', () => {
  it('flush() throws TX_SYNC_FAILED for a write the disk could not take, even one made before the call', async () => {
    const d = disk();
    const sync = watchFilesystem(d.dir);
    try {
      writeFileSync(join(d.dir, 'data'), randomBytes(16 << 20));
      const err = await sync.flush().catch((e: unknown) => e);
      expect(hasCode(err, 'TX_SYNC_FAILED')).toBe(true);
      expect((err as Error).message).toContain(d.dir);
      expect((err as { hint?: string }).hint).toContain('dmesg');
    } finally {
      sync.close();
    }
  });

  it('an install whose assets cannot be written back records nothing and leaves no /usr', async () => {
    const d = disk();
    const t = tempDir();
    cleanups.push(t.remove);
    const stone = join(t.dir, 'big-1.0-1-1-x86_64.stone');
    await writePackage(stone, {
      meta: {
        name: 'big',
        version: '1.0',
        release: 1,
        buildRelease: 1,
        architecture: 'x86_64',
        summary: 'big',
        description: 'Incompressible bytes, more than the disk holds.',
        homepage: 'https://example.org',
        sourceId: 'big',
        licenses: ['MPL-2.0'],
        depends: [],
        provides: [],
        conflicts: [],
      },
      entries: [{ type: 'regular', target: 'share/big/blob', mode: 0o644, content: randomBytes(16 << 20) }],
      level: 1,
    });
    const root = join(d.dir, 'root');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(root);
    const r = await openRoot(root);
    try {
      const plan = await r.plan({ add: [stone] });
      const err = await r.commit(plan).catch((e: unknown) => e);
      expect(hasCode(err, 'TX_SYNC_FAILED'), String(err)).toBe(true);
      expect(await r.packages.installed()).toEqual([]);
      expect(await r.states.list()).toEqual([]);
      expect(await r.states.active()).toBeUndefined();
      expect(existsSync(join(root, 'usr'))).toBe(false);
    } finally {
      await r.close();
    }
    // Nothing was recorded: no package and no layout row names what the disk did not keep.
    const { openSystemDbs } = await import('../src/db/system-dbs.js');
    const dbs = await openSystemDbs(root, { readOnly: true });
    try {
      expect(dbs.install.listPackages()).toEqual([]);
      expect(dbs.layout.packageIds()).toEqual([]);
      expect(dbs.state.listStates()).toEqual([]);
    } finally {
      await dbs.close();
    }
  });
});
