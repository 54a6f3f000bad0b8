// The vectors of ../shared/reference/libs.md §1.7 (named VFS-n), with the "intended" results
// where upstream has its re-rooting bug, and our decisions where upstream only prints a
// duplicate message (§6.2: every conflict is an error here).
import { describe, expect, it } from 'vitest';
import { buildTree, VfsError } from '../src/index.js';
import { build, D, F, L, paths, thrown } from './helpers.js';

describe('libs.md vectors', () => {
  it('VFS-1 injects implicit parents', () => {
    const t = build(F('bin/nano', 'nano'));
    expect(paths(t)).toEqual(['bin', 'bin/nano']);
    const bin = t.get('bin');
    expect(bin).toMatchObject({ kind: 'directory', implicit: true, pkg: '', mode: 0o755 });
    expect(t.get('bin/nano')).toMatchObject({ kind: 'regular', pkg: 'nano', mode: 0o644 });
    expect(t.counts).toEqual({ directories: 1, files: 1, symlinks: 0 });
  });

  it('VFS-2 orders siblings byte-wise and keeps an explicit directory owner', () => {
    const t = build(
      F('share/b'),
      F('bin/z'),
      F('bin/a'),
      D('lib', 'p'),
      F('bin/B'),
      F('bin/a-b'),
      F('bin/a.b'),
    );
    expect(paths(t)).toEqual([
      'bin',
      'bin/B',
      'bin/a',
      'bin/a-b',
      'bin/a.b',
      'bin/z',
      'lib',
      'share',
      'share/b',
    ]);
    expect(t.get('lib')).toMatchObject({ pkg: 'p', implicit: false });
  });

  it('VFS-3 redirects lib64 -> lib (intended semantics, not the upstream re-rooting)', () => {
    const t = build(
      L('lib64', 'lib', 'base'),
      F('lib/libc.so.6'),
      F('lib64/libfoo.so.1'),
      F('lib64/pkgconfig/foo.pc'),
      F('lib/zzz'),
    );
    expect(paths(t)).toEqual([
      'lib',
      'lib/libc.so.6',
      'lib/libfoo.so.1',
      'lib/pkgconfig',
      'lib/pkgconfig/foo.pc',
      'lib/zzz',
      'lib64',
    ]);
    expect(t.get('lib64')).toMatchObject({ kind: 'symlink', target: 'lib', pkg: 'base' });
    expect(t.redirects).toEqual([{ link: 'lib64', target: 'lib' }]);
  });

  it('VFS-4 a redirect collision with different content is a conflict naming both packages', () => {
    const e = thrown(() => build(L('lib64', 'lib'), F('lib/libx.so', 'A'), F('lib64/libx.so', 'B')));
    expect(e).toBeInstanceOf(VfsError);
    expect(e.code).toBe('VFS_CONFLICT');
    expect(e.details).toMatchObject({ path: '/usr/lib/libx.so', packages: ['A', 'B'] });
    // The same file reached both ways is not a conflict.
    const same = 'ab'.repeat(16);
    const t = build(L('lib64', 'lib'), F('lib/libx.so', 'A', same), F('lib64/libx.so', 'B', same));
    expect(t.get('lib/libx.so')).toMatchObject({ pkg: 'A', hash: same });
  });

  it('VFS-5 redirects merge into an existing directory', () => {
    const t = build(L('lib64', 'lib'), F('lib/pkgconfig/a.pc', 'A'), F('lib64/pkgconfig/b.pc', 'B'));
    expect(paths(t)).toEqual(['lib', 'lib/pkgconfig', 'lib/pkgconfig/a.pc', 'lib/pkgconfig/b.pc', 'lib64']);
  });

  it('VFS-6 the same path as two different files is a conflict (either order)', () => {
    for (const [first, second] of [
      ['A', 'B'],
      ['B', 'A'],
    ] as const) {
      const e = thrown(() =>
        build(F('bin/foo', first, '1'.repeat(32)), F('bin/foo', second, '2'.repeat(32))),
      );
      expect(e.code).toBe('VFS_CONFLICT');
      expect(e.message).toBe(`/usr/bin/foo is a file in ${first} but a different file in ${second}`);
      expect(e.details).toMatchObject({ packages: [first, second] });
    }
    // Identical entries from two packages are merged; the first is kept.
    const t = build(F('bin/foo', 'A', '1'.repeat(32)), F('bin/foo', 'B', '1'.repeat(32)));
    expect(t.get('bin/foo')?.pkg).toBe('A');
    expect(t.size).toBe(2);
  });

  it('the same content with another mode is a conflict too (one path has one mode)', () => {
    const e = thrown(() =>
      build(F('bin/foo', 'A', '1'.repeat(32), 0o644), F('bin/foo', 'B', '1'.repeat(32), 0o755)),
    );
    expect(e.code).toBe('VFS_CONFLICT');
    expect(e.message).toContain('mode 755 (not 644)');
  });

  it('VFS-7 two directories merge; the last pushed supplies mode and owner', () => {
    const t = build(D('share/foo', 'A', 0o755), D('share/foo', 'B', 0o700), F('share/foo/x', 'A'));
    expect(t.get('share/foo')).toMatchObject({ pkg: 'B', mode: 0o700, implicit: false });
    expect(paths(t)).toEqual(['share', 'share/foo', 'share/foo/x']);
  });

  it('VFS-8 directory versus file is a conflict in either push order (upstream loses the children)', () => {
    const a = thrown(() => build(D('share/foo', 'A'), F('share/foo/x', 'A'), F('share/foo', 'B')));
    expect(a.code).toBe('VFS_CONFLICT');
    expect(a.message).toBe('/usr/share/foo is a directory in A but a different file in B');
    const b = thrown(() => build(F('share/foo', 'B'), D('share/foo', 'A'), F('share/foo/x', 'A')));
    expect(b.code).toBe('VFS_CONFLICT');
    expect(b.details).toMatchObject({ path: '/usr/share/foo', packages: expect.arrayContaining(['A', 'B']) });
  });

  it('VFS-9 a file with entries beneath it is a conflict (upstream hides them)', () => {
    const e = thrown(() => build(F('share/foo', 'A'), F('share/foo/bar', 'B')));
    expect(e.code).toBe('VFS_CONFLICT');
    expect(e.details).toMatchObject({ path: '/usr/share/foo', packages: ['A', 'B'] });
    // Order of the input does not matter: the deeper entry implies a directory first.
    const r = thrown(() => build(F('share/foo/bar', 'B'), F('share/foo', 'A')));
    expect(r.code).toBe('VFS_CONFLICT');
  });

  it('VFS-10 symlink versus file is a conflict', () => {
    const e = thrown(() => build(L('bin/sh', 'bash', 'bash'), F('bin/sh', 'dash')));
    expect(e.code).toBe('VFS_CONFLICT');
    expect(e.message).toBe('/usr/bin/sh is a symlink to "bash" in bash but a different file in dash');
  });

  it('VFS-11 entries beneath a symlink leading out of /usr are rejected', () => {
    const e = thrown(() => build(L('run/lock', '/run/lock'), F('run/lock/subsys/1', 'evil')));
    expect(e.code).toBe('VFS_UNSAFE_PATH');
    expect(e.details).toMatchObject({ path: '/usr/run/lock/subsys/1', package: 'evil' });
    // The symlink alone is fine: it is written as it is.
    expect(build(L('run/lock', '/run/lock')).get('run/lock')).toMatchObject({ target: '/run/lock' });
  });

  it('VFS-12 a ../usr/lib target is followed as the kernel would (upstream does not redirect)', () => {
    const t = build(L('lib64', '../usr/lib'), F('lib/a'), F('lib64/b'));
    expect(paths(t)).toEqual(['lib', 'lib/a', 'lib/b', 'lib64']);
    expect(t.redirects).toEqual([{ link: 'lib64', target: 'lib' }]);
  });

  it('VFS-13 an absolute /usr target redirects', () => {
    const t = build(L('lib64', '/usr/lib'), F('lib/a'), F('lib64/b'));
    expect(paths(t)).toEqual(['lib', 'lib/a', 'lib/b', 'lib64']);
  });

  it('VFS-14 chains are followed (upstream leaves lib32/c unblitted)', () => {
    const t = build(L('lib32', 'lib64'), L('lib64', 'lib'), F('lib/a'), F('lib32/c'), F('lib64/b'));
    expect(paths(t)).toEqual(['lib', 'lib/a', 'lib/b', 'lib/c', 'lib32', 'lib64']);
    expect(t.redirects).toEqual([
      { link: 'lib32', target: 'lib' },
      { link: 'lib64', target: 'lib' },
    ]);
  });

  it('VFS-15 redirects into an implicit directory', () => {
    const t = build(L('sbin', 'bin'), F('bin/x'), F('sbin/y'));
    expect(paths(t)).toEqual(['bin', 'bin/x', 'bin/y', 'sbin']);
    // And into one nobody else ships: it is made up.
    expect(paths(build(L('sbin', 'bin'), F('sbin/y')))).toEqual(['bin', 'bin/y', 'sbin']);
  });

  it('VFS-16 an empty component is rejected (upstream: MissingParent)', () => {
    expect(thrown(() => build(F('bin//foo'))).code).toBe('VFS_UNSAFE_PATH');
  });

  it('VFS-17 a trailing slash is rejected (upstream: a silent duplicate)', () => {
    expect(thrown(() => build(D('share/', 'A'), F('share/x'))).code).toBe('VFS_UNSAFE_PATH');
  });

  it('VFS-18 an absolute layout path is rejected (upstream joins it outside /usr)', () => {
    const e = thrown(() => build(F('/usr/bin/x', 'evil')));
    expect(e.code).toBe('VFS_UNSAFE_PATH');
    expect(e.details).toMatchObject({ path: '/usr/bin/x', package: 'evil' });
  });

  it('VFS-19 nested redirects resolve (upstream panics)', () => {
    const t = build(
      L('lib64', 'lib'),
      F('lib/z'),
      D('lib64/foo'),
      L('lib64/bar', 'foo'),
      F('lib64/bar/x'),
      F('lib64/foo/y'),
    );
    expect(paths(t)).toEqual(['lib', 'lib/bar', 'lib/foo', 'lib/foo/x', 'lib/foo/y', 'lib/z', 'lib64']);
    expect(t.get('lib/bar')).toMatchObject({ kind: 'symlink', target: 'foo' });
  });

  it('VFS-20 identical symlinks from two packages merge and still redirect', () => {
    const t = build(L('lib64', 'lib', 'A'), L('lib64', 'lib', 'B'), F('lib/a', 'C'), F('lib64/b', 'D'));
    expect(t.get('lib64')?.pkg).toBe('A');
    expect(paths(t)).toEqual(['lib', 'lib/a', 'lib/b', 'lib64']);
  });

  it('VFS-21 a directory and a symlink at one path are a conflict', () => {
    const e = thrown(() => build(D('lib64', 'A'), L('lib64', 'lib', 'B'), F('lib/a'), F('lib64/b')));
    expect(e.code).toBe('VFS_CONFLICT');
    expect(e.details).toMatchObject({ path: '/usr/lib64', packages: ['B', 'A'] });
  });

  it('VFS-22 empty input gives an empty tree', () => {
    const t = buildTree([]);
    expect(t.size).toBe(0);
    expect(paths(t)).toEqual([]);
    expect(t.root).toMatchObject({ kind: 'directory', path: '', mode: 0o755 });
  });

  it('VFS-23 the root itself cannot be named by a layout (empty target)', () => {
    expect(thrown(() => build(D(''))).code).toBe('VFS_UNSAFE_PATH');
  });

  it('VFS-24 deep merge through a redirect', () => {
    const t = build(L('lib64', 'lib'), F('lib/z'), F('lib/a/keep'), F('lib64/a/b/c'), F('lib64/0'));
    expect(paths(t)).toEqual([
      'lib',
      'lib/0',
      'lib/a',
      'lib/a/b',
      'lib/a/b/c',
      'lib/a/keep',
      'lib/z',
      'lib64',
    ]);
  });
});

describe('symlink cycles', () => {
  it('entries under a loop are a typed error naming the links and packages', () => {
    const e = thrown(() => build(L('a', 'b', 'A'), L('b', 'a', 'B'), F('a/x', 'C')));
    expect(e.code).toBe('VFS_SYMLINK_CYCLE');
    expect(e.message).toContain('/usr/a (A)');
    expect(e.message).toContain('/usr/b (B)');
    expect(e.details).toMatchObject({ packages: expect.arrayContaining(['A', 'B']) });
  });

  it('a loop with nothing beneath it is still reported', () => {
    expect(thrown(() => build(L('a', 'b', 'A'), L('b', 'a', 'B'))).code).toBe('VFS_SYMLINK_CYCLE');
    expect(thrown(() => build(L('x', 'x'))).code).toBe('VFS_SYMLINK_CYCLE');
    expect(thrown(() => build(L('d/x', '../d/x'))).code).toBe('VFS_SYMLINK_CYCLE');
  });

  it('a long chain that ends is not a loop', () => {
    const links = Array.from({ length: 30 }, (_, i) => L(`l${i}`, i === 29 ? 'real' : `l${i + 1}`));
    const t = build(...links, F('l0/f'));
    expect(t.get('real/f')).toMatchObject({ kind: 'regular' });
  });
});

describe('hostile paths', () => {
  it.each([
    ['../etc/passwd'],
    ['bin/../../etc/passwd'],
    ['bin/./x'],
    ['./x'],
    ['/etc/shadow'],
    ['bin/\0x'],
    [''],
  ])('rejects layout path %j', (target) => {
    for (const input of [F(target), D(target), L(target, 'x')]) {
      const e = thrown(() => build(input));
      expect(e).toBeInstanceOf(VfsError);
      expect(e.code).toBe('VFS_UNSAFE_PATH');
    }
  });

  it.each([['../../etc'], ['../..'], ['/etc'], ['/'], ['../../usr/../etc'], ['x/../../../etc']])(
    'rejects entries placed through a symlink to %j',
    (target) => {
      const e = thrown(() => build(L('lib/evil', target, 'evil'), F('lib/evil/passwd', 'evil')));
      expect(e.code).toBe('VFS_UNSAFE_PATH');
      expect(e.details).toMatchObject({ path: '/usr/lib/evil/passwd', package: 'evil' });
    },
  );

  it('rejects entries placed through a symlink chain that leaves /usr at its end', () => {
    const e = thrown(() => build(L('a', 'b'), L('b', '../etc'), F('a/x', 'evil')));
    expect(e.code).toBe('VFS_UNSAFE_PATH');
  });

  it('entries through a symlink to a file are a conflict naming the file', () => {
    const e = thrown(() => build(F('share/file', 'A'), L('share/dir', 'file', 'B'), F('share/dir/x', 'C')));
    expect(e.code).toBe('VFS_CONFLICT');
    expect(e.details).toMatchObject({ path: '/usr/share/file', packages: ['A', 'C'] });
  });

  it('rejects device nodes, fifos and sockets (upstream panics in the blit)', () => {
    for (const type of ['char-device', 'block-device', 'fifo', 'socket'] as const) {
      const e = thrown(() =>
        buildTree([{ pkg: 'p', entry: { uid: 0, gid: 0, tag: 0, mode: 0o20644, target: 'dev/x', type } }]),
      );
      expect(e.code).toBe('VFS_UNSUPPORTED_TYPE');
    }
  });

  it('symlinks pointing anywhere are fine as leaves', () => {
    const t = build(L('share/zoneinfo/localtime', '/etc/localtime'), L('lib/x', '../../../../etc'));
    expect(t.counts.symlinks).toBe(2);
  });
});

describe('tree API', () => {
  it('walk is pre-order, get finds every node, counts add up', () => {
    const t = build(D('a', 'A', 0o700), F('a/b/c', 'B', undefined, 0o755), L('a/l', 'b'), F('z', 'Z'));
    expect(paths(t)).toEqual(['a', 'a/b', 'a/b/c', 'a/l', 'z']);
    for (const n of t.walk()) expect(t.get(n.path)).toBe(n);
    expect(t.get('')).toBe(t.root);
    expect(t.get('a/b/c')).toMatchObject({ mode: 0o755, name: 'c', pkg: 'B' });
    expect(t.size).toBe(t.counts.directories + t.counts.files + t.counts.symlinks);
    expect(Object.isFrozen(t.get('a'))).toBe(true);
  });
});

describe('filesLast', () => {
  it('refuses a directory or symlink after the first file, naming it', () => {
    const err = thrown(() =>
      buildTree([D('bin'), F('bin/a', 'p'), L('lib64', 'lib', 'q')], { filesLast: true }),
    );
    expect(err).toBeInstanceOf(VfsError);
    expect(err.code).toBe('VFS_INPUT_ORDER');
    expect(err.message).toContain('/usr/lib64');
  });

  it('places files through a symlinked directory given before them', () => {
    const t = buildTree([L('lib64', 'lib', 'base'), D('lib', 'base'), F('lib64/ld.so', 'glibc')].values(), {
      filesLast: true,
    });
    expect(t.get('lib/ld.so')).toMatchObject({ kind: 'regular', pkg: 'glibc' });
    expect(t.redirects).toEqual([{ link: 'lib64', target: 'lib' }]);
  });
});
