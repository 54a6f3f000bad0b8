import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgConfigRequires } from '../src/index.ts';

describe('pkgConfigRequires', () => {
  it('expands variables, drops version constraints and joins both fields', () => {
    const pc = [
      'prefix=/usr',
      'gl=glib-2.0',
      'Name: x',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a pkg-config variable, not JS
      'Requires: ${gl} >= 2.70, gobject-2.0,zlib>=1.2',
      'Requires.private: libffi \\',
      '  mount # a comment',
      'Libs: -lx',
    ].join('\n');
    expect(pkgConfigRequires(pc)).toEqual(['glib-2.0', 'gobject-2.0', 'zlib', 'libffi', 'mount']);
  });

  const dirs = ['/usr/lib/x86_64-linux-gnu/pkgconfig', '/usr/share/pkgconfig', '/usr/lib/pkgconfig'].filter(
    existsSync,
  );
  const pcs = dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.pc'))
      .map((f) => join(d, f)),
  );
  const havePkgConfig = spawnSync('pkg-config', ['--version']).status === 0 && pcs.length > 0;

  it.skipIf(!havePkgConfig)(`agrees with pkg-config on this machine's .pc files`, () => {
    let compared = 0;
    for (const pc of pcs) {
      const r = spawnSync(
        'pkg-config',
        ['--print-requires', '--print-requires-private', '--silence-errors', pc],
        {
          encoding: 'utf8',
          env: { ...process.env, LC_ALL: 'C' },
        },
      );
      if (r.status !== 0) continue; // a module whose requirements are not installed here
      const want = [
        ...new Set(
          r.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(/\s+/)[0]!),
        ),
      ].sort();
      expect([...pkgConfigRequires(readFileSync(pc, 'utf8'))].sort(), pc).toEqual(want);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });
});
