import { join } from 'node:path';
import type { PackageMeta } from '@serpent/stone';
import { afterEach, describe, expect, it } from 'vitest';
import { openMetaDb } from '../src/db/meta-db.js';
import { tempDir } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const meta = (name: string, summary: string): PackageMeta => ({
  name,
  version: '2.0',
  release: 3,
  buildRelease: 1,
  architecture: 'x86_64',
  summary,
  description: 'd',
  homepage: 'h',
  sourceId: name,
  licenses: ['MIT'],
  depends: [{ kind: 'soname', name: 'libc.so.6(x86_64)' }],
  provides: [{ kind: 'binary', name }],
  conflicts: [],
});

describe('meta DB summaries', () => {
  it('gives what a listing shows, in the order asked, skipping unknown ids', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const m = await openMetaDb(join(t.dir, '.moss', 'db', 'install'));
    cleanups.push(() => m.close());
    m.addPackages([
      { id: 'a', meta: meta('alpha', 'the first') },
      { id: 'b', meta: meta('beta', 'the second') },
    ]);
    expect(m.getSummaries(['b', 'missing', 'a'])).toEqual([
      { id: 'b', name: 'beta', version: '2.0', release: 3, buildRelease: 1, summary: 'the second' },
      { id: 'a', name: 'alpha', version: '2.0', release: 3, buildRelease: 1, summary: 'the first' },
    ]);
    // The same facts as the full read.
    const full = m.getPackage('a')!.meta;
    expect(m.getSummaries(['a'])[0]).toMatchObject({
      name: full.name,
      version: full.version,
      summary: full.summary,
    });
  });
});
