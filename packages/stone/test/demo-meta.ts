import type { PackageMeta } from '../src/index.ts';

/** A small, complete package description for tests. */
export const demoMeta: PackageMeta = {
  name: 'demo',
  version: '1.0',
  release: 3,
  buildRelease: 1,
  architecture: 'x86_64',
  summary: 'A demo package',
  description: 'It has files.',
  homepage: 'https://example.invalid/demo',
  sourceId: 'demo',
  licenses: ['MPL-2.0'],
  depends: [{ kind: 'soname', name: 'libc.so.6(x86_64)' }],
  provides: [
    { kind: 'binary', name: 'demo' },
    { kind: 'name', name: 'demo' },
  ],
  conflicts: [],
};
