// Loads the real package graph from the recipes' build manifests (`manifest.x86_64.jsonc`: each
// package with its provides and depends) as resolution candidates. Shared by the real-graph test
// and the benchmark; plain JavaScript so the benchmark runs on Node without a build step of its own.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDependency } from '@serpent/stone';

/**
 * @typedef {import('../src/candidate.js').Candidate} Candidate
 * @returns {{ packages: Candidate[], standIns: Candidate[], missing: string[] }}
 *
 * The fixture set is a sample of the repository (120 of its 835 recipes), so many providers
 * (glibc's sonames, for a start) come from recipes that are not there. Each such provider gets
 * one stand-in candidate (`stand-in:<provider>`, no dependencies, repository `stand-ins` at
 * priority -1) so the whole graph resolves; `missing` lists them so the test can check that
 * resolving without them fails naming the chain. Inventing real packages for them would be
 * guessing; dropping the dependencies would hide the edges the benchmark should pay for.
 */
export function loadRecipeGraph(recipesDir) {
  /** @type {Candidate[]} */
  const packages = [];
  for (const letter of readdirSync(recipesDir).sort()) {
    for (const recipe of readdirSync(join(recipesDir, letter)).sort()) {
      const file = join(recipesDir, letter, recipe, 'manifest.x86_64.jsonc');
      if (!existsSync(file)) continue;
      // The file starts with one `/** ... */` comment line; the rest is JSON.
      const text = readFileSync(file, 'utf8').replace(/^\/\*.*?\*\/\s*/s, '');
      const manifest = JSON.parse(text);
      const release = Number(manifest['source-release']);
      for (const p of Object.values(manifest.packages)) {
        const parse = (s) => {
          const d = parseDependency(s);
          if (d === undefined) throw new Error(`${file}: bad dependency ${s}`);
          return d;
        };
        packages.push({
          id: `${p.name}-${manifest['source-version']}-${release}-1`,
          meta: {
            name: p.name,
            version: manifest['source-version'],
            release,
            buildRelease: 1,
            depends: (p.depends ?? []).map(parse),
            provides: (p.provides ?? []).map(parse),
            conflicts: [],
          },
          source: { kind: 'repository', name: 'recipes', priority: 0 },
        });
      }
    }
  }
  const provided = new Set();
  for (const c of packages) {
    provided.add(`name(${c.meta.name})`);
    for (const p of c.meta.provides) provided.add(`${p.kind}(${p.name})`);
  }
  const missing = new Set();
  for (const c of packages) {
    for (const d of c.meta.depends) {
      const key = `${d.kind}(${d.name})`;
      if (!provided.has(key)) missing.add(key);
    }
  }
  const standIns = [...missing].sort().map((key) => ({
    id: `stand-in:${key}`,
    meta: {
      name: `stand-in:${key}`,
      version: '0',
      release: 0,
      buildRelease: 0,
      depends: [],
      provides: [parseDependency(key)],
      conflicts: [],
    },
    source: { kind: 'repository', name: 'stand-ins', priority: -1 },
  }));
  return { packages, standIns, missing: [...missing].sort() };
}
