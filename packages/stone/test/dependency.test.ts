import { describe, expect, it } from 'vitest';
import { compareUtf8, formatDependency, parseDependency, sortDependencies } from '../src/index.ts';

describe('dependency text form', () => {
  it('parses kinds and names with parentheses', () => {
    expect(parseDependency('soname(libc.so.6(x86_64))')).toEqual({
      kind: 'soname',
      name: 'libc.so.6(x86_64)',
    });
    expect(parseDependency('pkgconfig(zlib)')).toEqual({ kind: 'pkgconfig', name: 'zlib' });
    expect(parseDependency('nano')).toEqual({ kind: 'name', name: 'nano' });
    expect(parseDependency('binary(nano)')).toEqual({ kind: 'binary', name: 'nano' });
  });
  it('refuses unknown kinds, a missing ) and empty names', () => {
    expect(parseDependency('frob(x)')).toBeUndefined();
    expect(parseDependency('soname(x')).toBeUndefined();
    expect(parseDependency('soname()')).toBeUndefined();
    expect(parseDependency('')).toBeUndefined();
  });
  it('formats back', () => {
    expect(formatDependency({ kind: 'cmake', name: 'Foo' })).toBe('cmake(Foo)');
  });
  it('sorts by UTF-8 bytes, not UTF-16 code units, and de-duplicates', () => {
    // U+FF5E (3 UTF-8 bytes, one UTF-16 unit) sorts before U+1F600 (4 bytes, a surrogate pair) in
    // UTF-8 byte order; JS's default comparison puts the surrogate pair (0xD83D) first.
    const a = 'name(\uff5e)';
    const b = 'name(\u{1f600})';
    expect(compareUtf8(a, b)).toBeLessThan(0);
    expect([b, a].sort()).toEqual([b, a]);
    const sorted = sortDependencies([
      { kind: 'name', name: '\u{1f600}' },
      { kind: 'name', name: '\uff5e' },
      { kind: 'binary', name: 'x' },
      { kind: 'binary', name: 'x' },
    ]);
    expect(sorted.map(formatDependency)).toEqual(['binary(x)', a, b]);
  });
});
