import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { missingOnHost } from '../src/index.ts';

describe('missingOnHost', () => {
  it('finds binaries in /usr/bin and /usr/sbin and ignores kinds with no host equivalent', () => {
    expect(
      missingOnHost(['binary(sh)', 'binary(no-such-tool-4711)', 'soname(libc.so.6(x86_64))', 'glibc-devel']),
    ).toEqual(['binary(no-such-tool-4711)']);
  });

  it.skipIf(spawnSync('pkg-config', ['--version']).status !== 0)('asks pkg-config for pkgconfig()', () => {
    expect(missingOnHost(['pkgconfig(no-such-module-4711)'])).toEqual(['pkgconfig(no-such-module-4711)']);
  });
});
