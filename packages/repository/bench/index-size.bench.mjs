// How large is a real-scale repository index? The default cap of `fetchIndex`
// (DEFAULT_MAX_INDEX_BYTES) is chosen against this figure.
//
//   cd packages/repository && tsc -b && node bench/index-size.bench.mjs [--packages N]
//
// The metadata is real: every package of the build manifests under ../shared/fixtures/recipes
// (manifest.x86_64.bin: names, versions, summaries, descriptions, providers, dependencies),
// repeated with suffixed names up to N packages (default 1,609: the real Serpent OS repository
// of February 2025), each with a package URI, SHA-256 and size as `moss index` writes them,
// encoded as `moss index` encodes an index (zstd level 18, one Meta payload per package).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRepositoryIndex, StoneReader } from '@serpent/stone';
import { DEFAULT_MAX_INDEX_BYTES, readIndex } from '../dist/index.js';

const i = process.argv.indexOf('--packages');
const N = i < 0 ? 1609 : Number(process.argv[i + 1]);
const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const recipes = join(SHARED, 'fixtures', 'recipes');
if (!existsSync(recipes)) {
  console.log('skipped: ../shared/fixtures/recipes is not beside this checkout');
  process.exit(0);
}

const real = [];
for (const letter of readdirSync(recipes)) {
  for (const name of readdirSync(join(recipes, letter))) {
    const bin = join(recipes, letter, name, 'manifest.x86_64.bin');
    if (!existsSync(bin)) continue;
    const stone = await StoneReader.open(bin);
    for (const m of await stone.metas()) real.push(m);
    await stone.close();
  }
}
const metas = [];
for (let n = 0; metas.length < N; n++) {
  for (const m of real) {
    if (metas.length === N) break;
    const name = n === 0 ? m.name : `${m.name}-r${n}`;
    const file = `${name[0]}/${name}-${m.version}-${m.release}-1-x86_64.stone`;
    metas.push({
      ...m,
      name,
      packageUri: file,
      packageHash: createHash('sha256').update(file).digest('hex'),
      packageSize: 100_000 + metas.length,
    });
  }
}
const t0 = performance.now();
const bytes = await encodeRepositoryIndex(metas, { level: 18 });
const encodeMs = performance.now() - t0;
const t1 = performance.now();
const back = await readIndex(bytes);
const readMs = performance.now() - t1;
const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
console.log(`${real.length} real package metas, ${metas.length} packages in the index`);
console.log(
  `index: ${kib(bytes.length)} (${Math.round(bytes.length / metas.length)} bytes a package); encode ${encodeMs.toFixed(0)} ms, parse ${readMs.toFixed(0)} ms (${back.length} packages)`,
);
console.log(
  `default cap ${kib(DEFAULT_MAX_INDEX_BYTES)}: ${(DEFAULT_MAX_INDEX_BYTES / bytes.length).toFixed(0)}x this index, room for about ${Math.floor(DEFAULT_MAX_INDEX_BYTES / (bytes.length / metas.length)).toLocaleString('en')} packages like these`,
);
