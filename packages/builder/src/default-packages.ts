import type { PackageDefinition } from './build-plan.js';
import { type PathRule, rulesOf } from './path-rules.js';

/**
 * boulder's package templates (`arch/base.yaml` `packages:`), in rule order, for a source
 * named `name`. The main package's `*` catches whatever no later rule claims.
 */
export function defaultPackages(name: string, summary = '', description = ''): PackageDefinition[] {
  const t = (suffix: string, what: string, paths: string[], rundeps: string[] = []): PackageDefinition => ({
    name: `${name}${suffix}`,
    summary: `${what} for ${name}`,
    description: `${what} for ${name}`,
    paths,
    rundeps,
  });
  return [
    { name, summary, description, paths: ['*'] },
    t('-docs', 'Documentation', ['/usr/share/gtk-doc']),
    t(
      '-devel',
      'Development files',
      [
        '/usr/include',
        '/usr/lib/*.a',
        '/usr/lib/cmake',
        '/usr/lib/lib*.so',
        '/usr/lib/pkgconfig',
        '/usr/share/aclocal',
        '/usr/share/man/man2',
        '/usr/share/man/man3',
        '/usr/share/man/man9',
        '/usr/share/pkgconfig',
        '/usr/lib/*.prl',
        '/usr/lib/qt*/mkspecs',
        '/usr/lib/qt*/metatypes',
        '/usr/lib/qt*/modules/*.json',
        '/usr/lib/qt*/sbom',
        '/usr/lib/qt*/plugins/designer',
        '/usr/share/doc/qt*/*.qch',
        '/usr/share/doc/qt*/*.tags',
      ],
      [name],
    ),
    t('-dbginfo', 'Debugging symbols', ['/usr/lib/debug']),
    t('-libs', 'Library files', []),
    t('-32bit', 'Provides 32-bit runtime libraries', ['/usr/lib32', '/usr/lib32/lib*.so.*'], [name]),
    t(
      '-32bit-devel',
      'Provides development files',
      ['/usr/lib32/*.a', '/usr/lib32/cmake', '/usr/lib32/lib*.so', '/usr/lib32/pkgconfig'],
      [`${name}-32bit`, `${name}-devel`],
    ),
    t('-32bit-dbginfo', 'Debugging symbols', ['/usr/lib32/debug']),
    t('-demos', 'Examples and demos', ['/usr/lib/qt*/examples']),
  ];
}

/**
 * Adds a recipe's own packages (the main package's root `paths` first, then `packages:`) after
 * the templates. An entry named like a template merges into it: rundeps and conflicts are
 * joined, its own summary/description win. Its paths become rules *after* every template's,
 * as in boulder, so `packages: [{'%(name)-devel': {paths: [...]}}]` outranks the `*` of main.
 */
export function mergePackages(
  base: readonly PackageDefinition[],
  recipe: readonly PackageDefinition[],
): { packages: PackageDefinition[]; rules: PathRule[] } {
  const rules = rulesOf(base);
  const out = [...base];
  for (const p of recipe) {
    for (const pattern of p.paths ?? []) rules.push({ pattern, package: p.name });
    const at = out.findIndex((x) => x.name === p.name);
    if (at < 0) {
      out.push(p);
      continue;
    }
    const old = out[at]!;
    out[at] = {
      name: p.name,
      summary: p.summary ?? old.summary,
      description: p.description ?? old.description,
      paths: [...(old.paths ?? []), ...(p.paths ?? [])],
      rundeps: [...new Set([...(old.rundeps ?? []), ...(p.rundeps ?? [])])].sort(),
      conflicts: [...new Set([...(old.conflicts ?? []), ...(p.conflicts ?? [])])],
    };
  }
  return { packages: out, rules };
}
