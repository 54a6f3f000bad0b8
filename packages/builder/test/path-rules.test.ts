import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  assignPackage,
  defaultPackages,
  globToRegExp,
  mergePackages,
  type PackageDefinition,
  ruleMatches,
} from '../src/index.ts';
import { haveRecipes, recipeDirs } from './fixtures.ts';

describe('glob rules (Rust glob crate semantics)', () => {
  it('lets * and ** cross /', () => {
    expect(ruleMatches('/usr/lib/*.a', '/usr/lib/sub/libx.a')).toBe(true);
    expect(ruleMatches('/usr/lib/qt*/mkspecs', '/usr/lib/qt6/mkspecs')).toBe(true);
    expect(ruleMatches('/usr/**/x', '/usr/a/b/x')).toBe(true);
  });
  it('matches everything below a directory pattern', () => {
    expect(ruleMatches('/usr/include', '/usr/include/a/b.h')).toBe(true);
    expect(ruleMatches('/usr/include/', '/usr/include/a.h')).toBe(true);
    expect(ruleMatches('/usr/include', '/usr/includes/a.h')).toBe(false);
  });
  it('handles ? and classes, and escapes regexp characters', () => {
    expect(ruleMatches('/usr/share/man/man[239]', '/usr/share/man/man3/x.3')).toBe(true);
    expect(ruleMatches('/usr/share/man/man[!239]', '/usr/share/man/man3/x.3')).toBe(false);
    expect(globToRegExp('/usr/lib/lib?.so').test('/usr/lib/libz.so')).toBe(true);
    expect(ruleMatches('/usr/lib/libc++.so', '/usr/lib/libc++.so')).toBe(true);
    expect(ruleMatches('/usr/lib/a.b', '/usr/lib/aXb')).toBe(false);
  });
  it('lets the last matching rule win', () => {
    const { rules } = mergePackages(defaultPackages('foo'), [
      { name: 'foo-devel', paths: ['/usr/share/foo/dev'] },
    ]);
    expect(assignPackage(rules, '/usr/bin/foo')).toBe('foo');
    expect(assignPackage(rules, '/usr/lib/libfoo.so')).toBe('foo-devel');
    expect(assignPackage(rules, '/usr/lib/libfoo.so.1')).toBe('foo');
    expect(assignPackage(rules, '/usr/lib32/libfoo.so')).toBe('foo-32bit-devel');
    expect(assignPackage(rules, '/usr/lib32/libfoo.so.1')).toBe('foo-32bit');
    expect(assignPackage(rules, '/usr/share/foo/dev/x')).toBe('foo-devel');
    expect(assignPackage(rules, '/usr/share/foo/other')).toBe('foo');
  });
  it('merges a recipe package into its template', () => {
    const { packages } = mergePackages(defaultPackages('foo', 'Foo'), [
      { name: 'foo-devel', rundeps: ['bar'] },
      { name: 'foo-extra', summary: 'Extra', paths: ['/usr/share/extra'] },
    ]);
    const devel = packages.find((p) => p.name === 'foo-devel');
    expect(devel?.rundeps).toEqual(['bar', 'foo']);
    expect(devel?.summary).toBe('Development files for foo');
    expect(packages.at(-1)?.name).toBe('foo-extra');
  });
});

const DEFS: Record<string, string> = {
  prefix: '/usr',
  bindir: '/usr/bin',
  sbindir: '/usr/sbin',
  libdir: '/usr/lib',
  libexecdir: '/usr/lib/%(name)',
  includedir: '/usr/include',
  datadir: '/usr/share',
  mandir: '/usr/share/man',
  docdir: '/usr/share/doc',
  localedir: '/usr/share/locale',
  vendordir: '/usr/share/defaults',
};

function expand(s: string, name: string, version: string): string {
  let out = s;
  for (let i = 0; i < 4; i++)
    out = out.replace(/%\(([A-Za-z0-9_]+)\)/g, (m, k: string) =>
      k === 'name' ? name : k === 'version' ? version : (DEFS[k] ?? m),
    );
  return out;
}

type RawPkg = { paths?: Array<string | Record<string, string>>; rundeps?: string[]; summary?: string } | null;

describe.skipIf(!haveRecipes)('collection rules reproduce the real split of every fixture', () => {
  for (const dir of recipeDirs()) {
    it(`splits ${basename(dir)} as the real boulder did`, () => {
      const recipe = parse(readFileSync(join(dir, 'stone.yaml'), 'utf8')) as {
        name: string;
        version: string | number;
        paths?: Array<string | Record<string, string>>;
        packages?: Array<Record<string, RawPkg>>;
      };
      const version = String(recipe.version);
      const globs = (ps: RawPkg['paths'] | undefined) =>
        (ps ?? []).map((p) => expand(typeof p === 'string' ? p : Object.keys(p)[0]!, recipe.name, version));
      const own: PackageDefinition[] = [{ name: recipe.name, paths: globs(recipe.paths) }];
      for (const entry of recipe.packages ?? []) {
        for (const [raw, body] of Object.entries(entry)) {
          own.push({ name: expand(raw, recipe.name, version), paths: globs(body?.paths) });
        }
      }
      const { rules } = mergePackages(defaultPackages(recipe.name), own);
      const jsonc = readFileSync(join(dir, 'manifest.x86_64.jsonc'), 'utf8');
      const packages = (
        JSON.parse(jsonc.slice(jsonc.indexOf('\n') + 1)) as { packages: Record<string, { files?: string[] }> }
      ).packages;
      const wrong: string[] = [];
      for (const [name, p] of Object.entries(packages)) {
        for (const f of p.files ?? []) {
          const got = assignPackage(rules, f);
          if (got !== name) wrong.push(`${f}: real ${name}, ours ${got}`);
        }
      }
      expect(wrong.slice(0, 10)).toEqual([]);
    });
  }
});
