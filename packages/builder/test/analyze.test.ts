import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  analyzeFiles,
  collectInstallRoot,
  defaultPackages,
  mergePackages,
  OUTSIDE_USR,
} from '../src/index.ts';

const haveCc = spawnSync('cc', ['--version']).status === 0;

describe.skipIf(!haveCc)('analyzeFiles on objects linked here', () => {
  const root = mkdtempSync(join(tmpdir(), 'analyze-test-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(src, { recursive: true, force: true });
  });
  const usr = join(root, 'usr');
  const src = mkdtempSync(join(tmpdir(), 'analyze-src-'));
  mkdirSync(join(usr, 'lib', 'app', 'plugins'), { recursive: true });
  mkdirSync(join(usr, 'bin'), { recursive: true });
  mkdirSync(join(usr, 'sbin'), { recursive: true });
  mkdirSync(join(usr, 'lib', 'cmake', 'App'), { recursive: true });
  mkdirSync(join(usr, 'share', 'empty'), { recursive: true });
  mkdirSync(join(root, 'etc'));

  writeFileSync(join(src, 'p.c'), 'int priv(void) { return 1; }\n');
  writeFileSync(join(src, 'm.c'), 'int priv(void);\nint main(void) { return priv() - 1; }\n');
  const cc = (...a: string[]) => execFileSync('cc', a);
  cc(
    '-shared',
    '-fPIC',
    '-Wl,-soname,libprivate.so',
    '-o',
    join(usr, 'lib', 'app', 'libprivate.so'),
    join(src, 'p.c'),
  );
  cc('-shared', '-fPIC', '-o', join(usr, 'lib', 'app', 'plugins', 'libplug.so'), join(src, 'p.c'));
  cc(
    '-o',
    join(usr, 'bin', 'app'),
    join(src, 'm.c'),
    `-L${join(usr, 'lib', 'app')}`,
    '-lprivate',
    '-Wl,-rpath,$ORIGIN/../lib/app',
  );
  symlinkSync('../bin/app', join(usr, 'sbin', 'appd'));
  writeFileSync(join(usr, 'lib', 'cmake', 'App', 'app-config.cmake'), '');
  writeFileSync(join(usr, 'lib', 'cmake', 'App', 'App-Config.cmake'), '');
  writeFileSync(join(usr, 'lib', 'libapp.la'), '');
  writeFileSync(join(root, 'etc', 'app.conf'), '');

  it('resolves RUNPATH deps and path-qualifies private libraries', async () => {
    const { files, ignored } = await collectInstallRoot(root);
    expect(ignored).toEqual([
      { path: '/etc/app.conf', reason: OUTSIDE_USR },
      { path: '/usr/lib/libapp.la', reason: 'libtool file' },
    ]);
    expect(files.map((f) => f.path)).toContain('/usr/share/empty');
    const { rules } = mergePackages(defaultPackages('app'), []);
    const buckets = await analyzeFiles(files, { rules, installDir: root, buildRoot: '/nonexistent' });
    const main = buckets.get('app')!;
    expect([...main.providers].sort()).toEqual([
      'binary(app)',
      'soname(app/libprivate.so(x86_64))',
      'soname(app/plugins/libplug.so(x86_64))',
      'sysbinary(appd)',
    ]);
    // Resolved through $ORIGIN/../lib/app, and dropped because the package provides it.
    expect([...main.depends].some((d) => d.includes('libprivate'))).toBe(false);
    expect(main.depends.has('soname(libc.so.6(x86_64))')).toBe(true);
    const devel = buckets.get('app-devel')!;
    expect([...devel.providers]).toEqual(['cmake(app)']);
  });

  it('depends on a private library another package provides by its qualified name', async () => {
    const { files } = await collectInstallRoot(root);
    const { rules } = mergePackages(defaultPackages('app'), [
      { name: 'app-private', paths: ['/usr/lib/app'] },
    ]);
    const buckets = await analyzeFiles(files, { rules, installDir: root, buildRoot: '/nonexistent' });
    expect(buckets.get('app')!.depends.has('soname(app/libprivate.so(x86_64))')).toBe(true);
    expect(buckets.get('app-private')!.providers.has('soname(app/libprivate.so(x86_64))')).toBe(true);
  });
});
