import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compareUtf8, type Dependency, formatDependency, StoneReader } from '@serpent/stone';
import { describe, expect, it } from 'vitest';
import { manifestJson } from '../src/index.ts';
import { haveRecipes, recipeDirs } from './fixtures.ts';

// A recipe's raw strings and analysed deps both print as `kind(name)`, except bare names.
const text = (d: Dependency) => (d.kind === 'name' ? d.name : formatDependency(d));

describe.skipIf(!haveRecipes)('manifest.x86_64.jsonc re-emitted from the real .bin', () => {
  const dirs = recipeDirs();
  it('has the real fixtures', () => expect(dirs.length).toBeGreaterThan(100));

  for (const dir of dirs) {
    const want = readFileSync(join(dir, 'manifest.x86_64.jsonc'), 'utf8');
    const older = olderWriter(want);
    it.skipIf(older !== undefined)(
      `matches ${basename(dir)} byte for byte${older ? ` (skipped: ${older})` : ''}`,
      async () => {
        // The .bin has no file lists (os-tools#213), so those come from the .jsonc itself.
        const parsed = JSON.parse(want.slice(want.indexOf('\n') + 1)) as ParsedJsonc;
        const stone = await StoneReader.open(join(dir, 'manifest.x86_64.bin'));
        const metas = await stone.metas();
        await stone.close();
        const got = manifestJson(
          {
            name: parsed['source-name'],
            version: parsed['source-version'],
            release: Number(parsed['source-release']),
          },
          metas.map((m) => ({
            name: m.name,
            buildDepends: (m.buildDepends ?? []).map(text),
            depends: m.depends
              .map(text)
              .filter((d) => !templateRundepsLeftOut(parsed, m.name, m.depends.map(text)).includes(d)),
            files: parsed.packages[m.name]?.files ?? [],
            provides: m.provides.map(text),
          })),
        );
        expect(got).toBe(want);
      },
    );
  }
});

/** Manifests from an older boulder whose shape differs on purpose. */
function olderWriter(jsonc: string): string | undefined {
  if (jsonc.includes('"manifest-version": "0.1"')) return 'manifest-version 0.1 from an older boulder';
  if (/: \[\]/.test(jsonc)) return 'older writer printed empty lists';
  const lists = [...jsonc.matchAll(/\[([^\]]*)\]/g)].map((m) =>
    [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!),
  );
  if (lists.some((l) => l.some((x, i) => i > 0 && compareUtf8(l[i - 1]!, x) > 0)))
    return 'older writer did not sort';
  return undefined;
}

/**
 * Some real .jsonc files leave a package's template rundeps (`-devel` → main) out while the
 * .bin carries them, and it does not follow from the recipe (cyrus-sasl omits it without
 * declaring `-devel`; ffmpeg declares `-devel` and keeps it): boulder versions differed. Only
 * on that one axis do we take the expected list as given; formatting, order, every other
 * dependency, files and providers are still compared.
 */
function templateRundepsLeftOut(jsonc: ParsedJsonc, pkg: string, binDeps: readonly string[]): string[] {
  const listed = jsonc.packages[pkg]?.depends ?? [];
  return binDeps.filter((d) => !d.includes('(') && !listed.includes(d));
}

interface ParsedJsonc {
  packages: Record<string, { files?: string[]; depends?: string[] }>;
  'source-name': string;
  'source-release': string;
  'source-version': string;
}
