import { isSerpentError } from '@serpent/errors';
import { describe, expect, it } from 'vitest';
import { ResolveError, resolveInstall } from '../src/index.js';
import { inst, names, pkg, thrown } from './graph.js';

const libc = pkg('glibc', { provides: ['soname(libc.so.6(x86_64))'] });
const zlib = pkg('zlib', {
  provides: ['soname(libz.so.1(x86_64))', 'pkgconfig(zlib)'],
  depends: ['soname(libc.so.6(x86_64))'],
});
const nano = pkg('nano', {
  provides: ['binary(nano)'],
  depends: ['soname(libc.so.6(x86_64))', 'soname(libz.so.1(x86_64))'],
});

describe('resolveInstall', () => {
  it('pulls in dependencies transitively and orders them dependencies first', () => {
    const plan = resolveInstall({ request: ['nano'], installed: [], candidates: [nano, zlib, libc] });
    expect(names(plan.install)).toEqual(['glibc', 'zlib', 'nano']);
    expect(plan.selections).toEqual([
      { id: libc.id, explicit: false, reason: 'required by nano (soname(libc.so.6(x86_64)))' },
      { id: zlib.id, explicit: false, reason: 'required by nano (soname(libz.so.1(x86_64)))' },
      { id: nano.id, explicit: true, reason: 'requested as nano' },
    ]);
  });

  it('accepts providers as requests: binary(nano), soname(libz.so.1(x86_64))', () => {
    const plan = resolveInstall({
      request: ['binary(nano)', { kind: 'soname', name: 'libz.so.1(x86_64)' }],
      installed: [],
      candidates: [libc, zlib, nano],
    });
    expect(names(plan.install)).toEqual(['glibc', 'zlib', 'nano']);
    expect(plan.selections.filter((s) => s.explicit).map((s) => s.reason)).toEqual([
      'requested as soname(libz.so.1(x86_64))',
      'requested as binary(nano)',
    ]);
  });

  it('names the chain that needs a missing provider', () => {
    const hello = pkg('hello', { depends: ['soname(libgreet.so.1(x86_64))'] });
    const e = thrown(() => resolveInstall({ request: ['hello'], installed: [], candidates: [hello] }));
    expect(e).toBeInstanceOf(ResolveError);
    expect(isSerpentError(e)).toBe(true);
    expect((e as ResolveError).hint).toContain('moss repo update');
    expect(e.code).toBe('RESOLVE_MISSING_PROVIDER');
    expect(e.message).toBe(
      "hello needs soname(libgreet.so.1(x86_64)), which no package provides: request 'hello' → hello → soname(libgreet.so.1(x86_64))",
    );
  });

  it('shows the shortest chain through intermediate packages and lists every missing provider', () => {
    const app = pkg('app', { provides: ['binary(app)'], depends: ['soname(liba.so.1)', 'binary(tool)'] });
    const liba = pkg('liba', { provides: ['soname(liba.so.1)'], depends: ['soname(libmissing.so.1)'] });
    const e = thrown(() =>
      resolveInstall({ request: ['binary(app)'], installed: [], candidates: [app, liba] }),
    );
    expect(e.code).toBe('RESOLVE_MISSING_PROVIDER');
    expect(e.message).toBe(
      "app needs binary(tool), which no package provides: request 'binary(app)' → app → binary(tool) (and 1 more missing: soname(libmissing.so.1) for liba)",
    );
    const missing = e.details.missing as { provider: string; neededBy: string; chain: string[] }[];
    expect(missing.map((m) => m.chain.join(' → '))).toEqual([
      "request 'binary(app)' → app → binary(tool)",
      "request 'binary(app)' → app → soname(liba.so.1) → liba → soname(libmissing.so.1)",
    ]);
  });

  it('reports every unknown request at once', () => {
    const e = thrown(() =>
      resolveInstall({
        request: ['nope', 'binary(nada)', 'nano'],
        installed: [],
        candidates: [libc, zlib, nano],
      }),
    );
    expect(e.code).toBe('RESOLVE_NOT_FOUND');
    expect(e.details.request).toEqual(['name(nope)', 'binary(nada)']);
  });

  it('rejects malformed requests', () => {
    const e = thrown(() =>
      resolveInstall({ request: ['soname(', 'bogus(x)'], installed: [], candidates: [] }),
    );
    expect(e.code).toBe('RESOLVE_BAD_REQUEST');
    expect(e.details.request).toEqual(['soname(', 'bogus(x)']);
  });

  it('lets an installed provider satisfy a dependency even when a newer one is available', () => {
    const oldZlib = pkg('zlib', { release: 1, provides: ['soname(libz.so.1(x86_64))'] });
    const newZlib = pkg('zlib', { release: 5, provides: ['soname(libz.so.1(x86_64))'] });
    const plan = resolveInstall({
      request: ['nano'],
      installed: [inst(libc, true), inst(oldZlib)],
      candidates: [newZlib, nano, libc],
    });
    expect(plan.install.map((c) => c.id)).toEqual([nano.id]);
    expect(plan.replace).toEqual([]);
  });

  it('prefers the higher repository priority over a newer release, then the newest release', () => {
    const low = pkg('tool', { release: 9, repo: 'volatile', priority: 0 });
    const high = pkg('tool', { release: 2, repo: 'local-repo', priority: 100 });
    expect(resolveInstall({ request: ['tool'], installed: [], candidates: [low, high] }).install[0]!.id).toBe(
      high.id,
    );
    const r3b1 = pkg('tool', { release: 3, build: 1 });
    const r3b2 = pkg('tool', { release: 3, build: 2 });
    const r2b9 = pkg('tool', { release: 2, build: 9 });
    expect(
      resolveInstall({ request: ['tool'], installed: [], candidates: [r2b9, r3b1, r3b2] }).install[0]!.id,
    ).toBe(r3b2.id);
  });

  it('prefers a local stone over every repository', () => {
    const repo = pkg('tool', { release: 9, priority: 1000 });
    const local = pkg('tool', { release: 1, local: true });
    expect(
      resolveInstall({ request: ['tool'], installed: [], candidates: [repo, local] }).install[0]!.id,
    ).toBe(local.id);
  });

  it('reuses a provider already chosen in the transaction rather than pulling in a second one', () => {
    const a = pkg('a', { depends: ['binary(sh)'] });
    const b = pkg('b', { depends: ['binary(sh)'] });
    const bash = pkg('bash', { provides: ['binary(sh)'], release: 1 });
    const dash = pkg('dash', { provides: ['binary(sh)'], release: 7 });
    const plan = resolveInstall({
      request: ['a', 'b', 'bash'],
      installed: [],
      candidates: [a, b, bash, dash],
    });
    expect(names(plan.install).sort()).toEqual(['a', 'b', 'bash']);
  });

  it('reports an already installed request and promotes a dependency to explicit', () => {
    const plan = resolveInstall({
      request: ['zlib', 'glibc'],
      installed: [inst(libc, true, 'requested as glibc'), inst(zlib, false, 'required by nano')],
      candidates: [libc, zlib],
    });
    expect(plan.install).toEqual([]);
    expect(names(plan.alreadyInstalled)).toEqual(['zlib', 'glibc']);
    expect(names(plan.promoted)).toEqual(['zlib']);
    expect(plan.selections).toEqual([
      { id: libc.id, explicit: true, reason: 'requested as glibc' },
      { id: zlib.id, explicit: true, reason: 'requested as zlib' },
    ]);
  });

  it('allows dependency cycles and orders them stably', () => {
    const a = pkg('a', { depends: ['name(b)', 'name(c)'] });
    const b = pkg('b', { depends: ['name(a)'] });
    const c = pkg('c');
    const plans = [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ].map((candidates) => resolveInstall({ request: ['b'], installed: [], candidates }));
    for (const plan of plans) expect(names(plan.install)).toEqual(['c', 'a', 'b']);
  });

  describe('conflicts', () => {
    const vim = pkg('vim', { provides: ['binary(vi)'] });
    const nvi = pkg('nvi', { provides: ['binary(vi)'], conflicts: ['binary(vi)'] });
    it('refuses a new package that declares a conflict with an installed provider, naming both', () => {
      const e = thrown(() =>
        resolveInstall({ request: ['nvi'], installed: [inst(vim, true)], candidates: [nvi, vim] }),
      );
      expect(e.code).toBe('RESOLVE_CONFLICT');
      expect(e.message).toBe(
        'nvi conflicts with vim: nvi declares a conflict with binary(vi), which vim provides',
      );
    });
    it('refuses a new package that provides what an installed package conflicts with', () => {
      const e = thrown(() =>
        resolveInstall({ request: ['vim'], installed: [inst(nvi, true)], candidates: [nvi, vim] }),
      );
      expect(e.code).toBe('RESOLVE_CONFLICT');
      expect(e.details.conflicts).toEqual([
        { package: 'nvi', conflictsWith: 'vim', provider: 'binary(vi)', packageId: nvi.id, otherId: vim.id },
      ]);
    });
    it('refuses two new packages that conflict with each other', () => {
      const e = thrown(() =>
        resolveInstall({ request: ['vim', 'nvi'], installed: [], candidates: [nvi, vim] }),
      );
      expect(e.code).toBe('RESOLVE_CONFLICT');
    });
    it('does not block an install on a conflict that is already installed', () => {
      const plan = resolveInstall({
        request: ['glibc'],
        installed: [inst(vim, true), inst(nvi, true)],
        candidates: [libc],
      });
      expect(names(plan.install)).toEqual(['glibc']);
    });
  });

  describe('replacing an installed release', () => {
    const lib1 = pkg('libfoo', { release: 1, provides: ['soname(libfoo.so.1)'] });
    const lib2 = pkg('libfoo', { release: 2, provides: ['soname(libfoo.so.1)', 'soname(libfoo.so.2)'] });
    const lib2only = pkg('libfoo', { release: 2, provides: ['soname(libfoo.so.2)'] });
    const app = pkg('app', { depends: ['soname(libfoo.so.2)'] });
    const old = pkg('old', { depends: ['soname(libfoo.so.1)'] });

    it('takes the newer release when a dependency needs what only it provides', () => {
      const plan = resolveInstall({
        request: ['app'],
        installed: [inst(lib1, true, 'requested as libfoo'), inst(old, true)],
        candidates: [lib2, app],
      });
      expect(names(plan.install)).toEqual(['libfoo', 'app']);
      expect(plan.replace.map((r) => `${r.from.id} -> ${r.to.id}`)).toEqual([`${lib1.id} -> ${lib2.id}`]);
      // The replacement keeps the explicit flag of what it replaces.
      expect(plan.selections[0]).toEqual({ id: lib2.id, explicit: true, reason: 'requested as libfoo' });
      expect(plan.selections.map((s) => s.id)).not.toContain(lib1.id);
    });

    it('refuses a replacement that takes away what an installed package needs', () => {
      const e = thrown(() =>
        resolveInstall({
          request: ['app'],
          installed: [inst(lib1), inst(old, true)],
          candidates: [lib2only, app],
        }),
      );
      expect(e.code).toBe('RESOLVE_BREAKS_INSTALLED');
      expect(e.message).toBe(
        'the install replaces libfoo 1.0-1-1 with 2.0-2-1, which no longer provides soname(libfoo.so.1), needed by old',
      );
    });
  });
});
