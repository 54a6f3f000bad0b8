import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRecipeGraph } from '../bench/recipe-graph.mjs';
import { type Candidate, ProviderIndex, resolveInstall, resolveRemove, resolveSync } from '../src/index.js';
import { inst } from './graph.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const recipes = join(repoRoot, '..', 'shared', 'fixtures', 'recipes');
const present = existsSync(recipes);
if (!present)
  console.warn(`skipping the real-graph tests: ${recipes} (../shared beside the checkout) is absent`);

describe.skipIf(!present)(
  'the real package graph (../shared/fixtures/recipes/*/*/manifest.x86_64.jsonc)',
  () => {
    const graph = present
      ? loadRecipeGraph(recipes)
      : { packages: [] as Candidate[], standIns: [] as Candidate[], missing: [] as string[] };
    const candidates = [...graph.packages, ...graph.standIns];

    it('resolves every package at once, each dependency met by a package ordered before it or on a cycle with it', () => {
      expect(graph.packages.length).toBeGreaterThan(200);
      const plan = resolveInstall({
        request: graph.packages.map((c) => c.meta.name),
        installed: [],
        candidates,
      });
      const position = new Map(plan.install.map((c, i) => [c.id, i]));
      for (const c of graph.packages) expect(position.has(c.id)).toBe(true);
      const index = new ProviderIndex(candidates);
      let later = 0;
      for (const c of plan.install) {
        for (const d of c.meta.depends) {
          const chosen = index.providers(d).filter((p) => position.has(p.id));
          expect(chosen.length, `${c.meta.name} → ${d.kind}(${d.name})`).toBeGreaterThan(0);
          if (!chosen.some((p) => position.get(p.id)! <= position.get(c.id)!)) later++;
        }
      }
      // Only edges inside dependency cycles may point forwards; there are few in the real graph.
      expect(later).toBeLessThan(20);
    });

    it('without stand-ins, names the chain from the request to a provider outside the sample', () => {
      const alacritty = graph.packages.find((c) => c.meta.name === 'alacritty')!;
      let error: { code: string; message: string } | undefined;
      try {
        resolveInstall({ request: ['alacritty'], installed: [], candidates: graph.packages });
      } catch (e) {
        error = e as { code: string; message: string };
      }
      expect(error?.code).toBe('RESOLVE_MISSING_PROVIDER');
      const first = alacritty.meta.depends.find((d) => graph.missing.includes(`${d.kind}(${d.name})`))!;
      expect(error?.message).toContain(
        `alacritty needs ${first.kind}(${first.name}), which no package provides`,
      );
    });

    it('removes a widely used library with all its reverse dependencies, and syncs a full system to itself', () => {
      const installed = candidates.map((c) => inst(c, graph.packages.includes(c)));
      const sync = resolveSync({ installed, candidates });
      expect(sync.install).toEqual([]);
      expect(sync.keep.length).toBe(installed.length);
      const plan = resolveRemove({ request: ['soname(libc.so.6(x86_64))'], installed });
      const dependsOnLibc = graph.packages.filter((c) =>
        c.meta.depends.some((d) => d.kind === 'soname' && d.name === 'libc.so.6(x86_64)'),
      );
      const gone = new Set(plan.remove.map((r) => r.package.id));
      for (const c of dependsOnLibc) expect(gone.has(c.id)).toBe(true);
    });

    it('syncs a full system to a repository where every third package has a new release', () => {
      const installed = candidates.map((c) => inst(c, graph.packages.includes(c)));
      const bumped = candidates.map((c, i) =>
        i % 3 === 0 ? { ...c, id: `${c.id}+1`, meta: { ...c.meta, release: c.meta.release + 1 } } : c,
      );
      const plan = resolveSync({ installed, candidates: bumped });
      expect(plan.upgrade.length).toBe(Math.ceil(candidates.length / 3));
      expect(plan.install.map((c) => c.id).sort()).toEqual(plan.upgrade.map((u) => u.to.id).sort());
      expect(plan.downgrade).toEqual([]);
      expect(plan.remove).toEqual([]);
      expect(plan.selections.length).toBe(installed.length);
    });
  },
);
