import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Candidate, ProviderIndex, resolveInstall, resolveRemove } from '../src/index.js';
import { inst, pkg } from './graph.js';

/** Random graphs: package i provides `binary(p<i>)` (and sometimes another's), depends on a few. */
const graphArb = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    deps: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: 4 }), {
      minLength: n,
      maxLength: n,
    }),
    extraProvider: fc.array(fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: undefined }), {
      minLength: n,
      maxLength: n,
    }),
    releases: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
    seed: fc.integer(),
  }),
);

function build(
  g: fc.RecordValue<{
    n: number;
    deps: number[][];
    extraProvider: (number | undefined)[];
    releases: number[];
  }>,
) {
  return Array.from({ length: g.n }, (_, i) => {
    const extra = g.extraProvider[i];
    return pkg(`p${i}`, {
      release: g.releases[i]!,
      provides: [`binary(p${i})`, ...(extra === undefined ? [] : [`binary(p${extra})`])],
      depends: g.deps[i]!.map((d) => `binary(p${d})`),
    });
  });
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Ids reachable from `from` through the chosen (installed) providers. */
function reaches(plan: Candidate[], index: ProviderIndex, from: string, to: string): boolean {
  const inPlan = new Set(plan.map((c) => c.id));
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const c = index.byId(queue.pop()!)!;
    for (const d of c.meta.depends) {
      for (const p of index.providers(d)) {
        if (!inPlan.has(p.id) || seen.has(p.id)) continue;
        if (p.id === to) return true;
        seen.add(p.id);
        queue.push(p.id);
      }
    }
  }
  return false;
}

describe('properties', () => {
  it('install: dependencies satisfied, dependencies before dependents (outside cycles), same plan for any candidate order', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const candidates = build(g);
        const request = candidates.map((c) => c.meta.name);
        const plan = resolveInstall({ request, installed: [], candidates });
        const again = resolveInstall({ request, installed: [], candidates: shuffle(candidates, g.seed) });
        expect(again).toEqual(plan);

        const index = new ProviderIndex(candidates);
        const position = new Map(plan.install.map((c, i) => [c.id, i]));
        expect(position.size).toBe(g.n);
        for (const c of plan.install) {
          for (const d of c.meta.depends) {
            const chosen = index.providers(d).filter((p) => position.has(p.id));
            expect(chosen.length).toBeGreaterThan(0);
            // At least one provider comes first, unless the two are on a cycle.
            const before = chosen.some((p) => position.get(p.id)! < position.get(c.id)!);
            if (!before)
              expect(chosen.some((p) => p.id === c.id || reaches(plan.install, index, p.id, c.id))).toBe(
                true,
              );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('remove: what stays keeps every dependency it had, and nothing explicit is lost but what was asked', () => {
    fc.assert(
      fc.property(
        graphArb,
        fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
        fc.nat(),
        (g, explicit, pick) => {
          const candidates = build(g);
          const installed = candidates.map((c, i) => inst(c, explicit[i]!));
          const target = candidates[pick % g.n]!;
          const plan = resolveRemove({ request: [target.meta.name], installed });
          const remaining = new Set(plan.selections.map((s) => s.id));
          expect(remaining.has(target.id)).toBe(false);
          const before = new ProviderIndex(candidates);
          for (const c of candidates) {
            if (!remaining.has(c.id)) continue;
            for (const d of c.meta.depends) {
              if (before.providers(d).length === 0) continue;
              expect(before.providers(d).some((p) => remaining.has(p.id))).toBe(true);
            }
          }
          for (const r of plan.remove) {
            if (r.package.explicit && r.reason !== 'reverse-dependency') expect(r.reason).toBe('requested');
          }
          expect(plan.remove.length + remaining.size).toBe(g.n);
        },
      ),
      { numRuns: 300 },
    );
  });
});
