import { existsSync } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xxh3_128 } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.ts';
import { tempDir } from './helpers.ts';

const repoRoot = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));
const stones = join(repoRoot, '..', 'shared', 'fixtures', 'stone');
const packages = [
  join(stones, 'bash-completion-2.11-1-1-x86_64.stone'),
  join(stones, 'synthetic', 'bash-completion-rust-writer.stone'),
  join(stones, 'synthetic', 'kitchen-sink-1.2.3-7-2-x86_64.stone'),
];
const have = packages.every((p) => existsSync(p));

describe.skipIf(!have)(
  'real stones from ../shared/fixtures (skipped: ../shared is not beside the checkout)',
  () => {
    it('precaches real packages of both writer generations; every layout file has its asset', async () => {
      const store = await openStore(join(await tempDir(), 'root'));
      const results = await store.precacheMany(packages, { concurrency: 3 });
      for (const r of results) {
        expect(r.assetsAdded + r.assetsSkipped).toBe(r.index.length);
        for (const e of r.layout) {
          if (e.type !== 'regular') continue;
          const path = store.assetPath(e.hash);
          expect(await xxh3_128(await readFile(path)), `/usr/${e.target} of ${r.stone}`).toBe(e.hash);
          // The asset carries the permission bits of the first entry that stored it.
          expect((await lstat(path)).mode & 0o7000).toBe(0);
        }
      }
      // The two bash-completion stones hold the same files: the second adds nothing new.
      const [d, rust] = results as [(typeof results)[0], (typeof results)[0]];
      expect(new Set(rust.index.map((e) => e.digest))).toEqual(new Set(d.index.map((e) => e.digest)));
      expect(d.assetsAdded + rust.assetsAdded).toBe(d.index.length);
      expect(await store.verify()).toMatchObject({ corrupt: [], stray: [] });
    });
  },
);
