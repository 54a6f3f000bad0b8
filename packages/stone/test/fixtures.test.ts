import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectStone, StoneReader, stringifyJson } from '../src/index.ts';
import { HAVE_SHARED, recipeManifests, SKIP_REASON, stoneFixtures } from './shared-fixtures.ts';

describe.skipIf(!HAVE_SHARED)(
  `real and synthetic stones decode to their expected JSON (${SKIP_REASON})`,
  () => {
    const fixtures = stoneFixtures();
    it('finds the fixtures', () => {
      expect(fixtures.length).toBeGreaterThanOrEqual(6);
    });
    for (const { file, expected } of fixtures) {
      it(file.split('/').slice(-2).join('/'), async () => {
        const got = JSON.parse(stringifyJson(await inspectStone(file)));
        const want = JSON.parse(readFileSync(expected, 'utf8'));
        expect(got).toEqual(want);
      });
    }
  },
);

function parseJsonc(text: string): Record<string, unknown> {
  return JSON.parse(text.replace(/^\s*\/\*\*.*\*\/\s*$/m, ''));
}

describe.skipIf(!HAVE_SHARED)(`every recipe's binary manifest matches its .jsonc (${SKIP_REASON})`, () => {
  const manifests = recipeManifests();
  it('finds the 120 recipes', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(100);
  });
  for (const m of manifests) {
    it(m.name, async () => {
      const stone = await StoneReader.open(m.bin);
      try {
        expect(stone.header.fileType).toBe(4);
        const metas = await stone.metas();
        const json = parseJsonc(readFileSync(m.jsonc, 'utf8')) as {
          packages: Record<string, { provides?: string[]; depends?: string[]; 'build-depends'?: string[] }>;
        };
        expect(metas.map((x) => x.name).sort()).toEqual(Object.keys(json.packages).sort());
        for (const meta of metas) {
          const pkg = json.packages[meta.name]!;
          const provides = meta.provides.map((d) => `${d.kind}(${d.name})`).sort();
          expect(provides).toEqual([...(pkg.provides ?? [])].sort());
          const depends = new Set(meta.depends.map((d) => `${d.kind}(${d.name})`));
          for (const d of pkg.depends ?? []) {
            const display = d.includes('(') ? d : `name(${d})`;
            expect(depends, `${meta.name} depends on ${d}`).toContain(display);
          }
          const buildDepends = new Set((meta.buildDepends ?? []).map((d) => `${d.kind}(${d.name})`));
          for (const d of pkg['build-depends'] ?? []) {
            const display = d.includes('(') ? d : `name(${d})`;
            expect(buildDepends, `${meta.name} build-depends on ${d}`).toContain(display);
          }
        }
      } finally {
        await stone.close();
      }
    });
  }
});
