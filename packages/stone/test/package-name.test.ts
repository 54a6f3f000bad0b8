import { describe, expect, it } from 'vitest';
import { type PackageMeta, packageDirName, packageNameProblem } from '../src/index.js';

const meta = (fields: Partial<PackageMeta>) =>
  ({ name: 'nano', version: '8.2', release: 3, architecture: 'x86_64', ...fields }) as PackageMeta;

// One grammar for names, versions and architectures (issue 14, C1 and C9): install and the
// index ask packageNameProblem, extract asks packageDirName; both must refuse the same things.
describe('the package name grammar', () => {
  it('takes the names real packages have', () => {
    for (const m of [
      meta({}),
      meta({ name: 'libstdc++', version: '14.2.0' }),
      meta({ name: 'python3.12', version: '3.12.4~rc1' }),
      meta({ name: 'Mesa-32bit', architecture: 'x86_64-v3' }),
    ]) {
      expect(packageNameProblem(m)).toBeUndefined();
      expect(packageDirName(m)).toBe(`${m.name}-${m.version}-${m.release}.${m.architecture}`);
    }
  });

  for (const [field, value] of [
    ['name', '../..'],
    ['name', 'a/b'],
    ['name', '.hidden'],
    ['name', 'evil\u001b[2J'],
    ['name', 'two\nlines'],
    ['name', 'name(x)'],
    ['name', ''],
    ['version', '..'],
    ['version', '1.0/../../../etc'],
    ['version', '1.0 beta'],
    ['version', ''],
    ['architecture', 'x/../../../escaped'],
    ['architecture', 'x86_64\u009b'],
    ['architecture', 'a'.repeat(256)],
  ] as const) {
    it(`refuses the ${field} ${JSON.stringify(value)} in both places`, () => {
      const m = meta({ [field]: value });
      expect(packageNameProblem(m)).toContain(JSON.stringify(value));
      expect(() => packageDirName(m, 'x.stone')).toThrow(
        expect.objectContaining({ code: 'STONE_UNSAFE_NAME', details: expect.objectContaining({ field }) }),
      );
    });
  }
});
