// Compile cost and match rate of the real trigger patterns over the real recipe file lists
// (../shared/fixtures/recipes/*/*/manifest.x86_64.jsonc), against node:path matchesGlob in the
// same process. Run after `tsc -b`: node bench/fnmatch.bench.mjs
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { matchesGlob, resolve } from 'node:path';
import { compilePattern } from '../dist/index.js';

const recipes = resolve(import.meta.dirname, '../../../../shared/fixtures/recipes');
if (!existsSync(recipes)) {
  console.log('fnmatch bench: SKIPPED, ../shared/fixtures/recipes is absent');
  process.exit(0);
}
// The seven patterns of the real Serpent OS trigger files.
const patterns = [
  '/usr/share/fonts/*',
  '/usr/lib*/gio/modules/lib*.so',
  '/usr/share/glib-2.0/schemas/*',
  '/usr/lib*/lib*.so.*',
  '/usr/lib/modules/(version:*)/*',
  '/usr/lib/tmpfiles.d/*.conf',
  '/usr/share/info/(item:*.info*)',
];
const paths = [];
for (const letter of readdirSync(recipes)) {
  for (const recipe of readdirSync(`${recipes}/${letter}`)) {
    const text = readFileSync(`${recipes}/${letter}/${recipe}/manifest.x86_64.jsonc`, 'utf8');
    for (const m of text.matchAll(/"(\/usr\/[^"]+)"/g)) paths.push(m[1]);
  }
}

const N = 20_000;
let t = performance.now();
for (let i = 0; i < N; i++) for (const p of patterns) compilePattern(p);
const compileUs = ((performance.now() - t) * 1000) / (N * patterns.length);

const compiled = patterns.map(compilePattern);
let best = Number.POSITIVE_INFINITY;
let hits = 0;
for (let r = 0; r < 10; r++) {
  t = performance.now();
  hits = 0;
  for (const path of paths) for (const p of compiled) if (p.match(path) !== null) hits++;
  best = Math.min(best, performance.now() - t);
}
const globs = patterns.map((p) => p.replace(/\(\w+:([^)]*)\)/g, '$1'));
const sample = paths.filter((_, i) => i % 10 === 0);
t = performance.now();
let refHits = 0;
for (const path of sample) for (const g of globs) if (matchesGlob(path, g)) refHits++;
const refMs = ((performance.now() - t) * paths.length) / sample.length;

const checks = paths.length * patterns.length;
console.log(
  `fnmatch: ${patterns.length} real trigger patterns, ${paths.length.toLocaleString('en')} real recipe paths`,
);
console.log(`  compile                      ${compileUs.toFixed(2)} µs per pattern`);
console.log(
  `  compilePattern().match       best ${best.toFixed(1)} ms  ${Math.round(checks / (best / 1000)).toLocaleString('en')} checks/s  (${hits} hits)`,
);
console.log(
  `  node:path matchesGlob (ref)  ≈${refMs.toFixed(0)} ms  ${Math.round(checks / (refMs / 1000)).toLocaleString('en')} checks/s  (${refHits} hits in a 1/10 sample)  ours ${(refMs / best).toFixed(0)}× as fast`,
);
