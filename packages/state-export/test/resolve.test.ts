import { hasCode } from '@serpent/errors';
import { describe, expect, it } from 'vitest';
import { type Lock, lockSources, resolveLock, resolveModel } from '../src/index.ts';
import { candidate, hashOf, installed, locked } from './helpers.ts';

const zlib = { name: 'zlib', provides: ['soname(libz.so.1(x86_64))'] };
const nano = { name: 'nano', depends: ['soname(libz.so.1(x86_64))'] };
const vim = { name: 'vim', depends: ['soname(libz.so.1(x86_64))'] };

function lockOfPackages(packages: Lock['packages']): Lock {
  return {
    format: 'moss-lock',
    version: 1,
    repositories: [
      {
        name: 'main',
        uri: 'https://example.invalid/r/stone.index',
        priority: 0,
        indexSha256: 'b'.repeat(64),
      },
    ],
    packages,
  };
}

describe('lockSources', () => {
  it('sorts locked packages by where they can come from, best first', () => {
    const lock = lockOfPackages([
      locked({ name: 'a' }, true),
      locked({ name: 'b' }, true),
      locked({ name: 'c' }, true),
      locked({ name: 'd' }, true, { repository: 'main', uri: 'd/d.stone' }),
      locked({ name: 'e' }, true),
    ]);
    const s = lockSources(lock, {
      stored: new Set([hashOf('a')]),
      cached: new Set([hashOf('b'), hashOf('a')]),
      candidates: [candidate({ name: 'c' }), candidate({ name: 'a' })],
    });
    expect(s.stored.map((p) => p.name)).toEqual(['a']);
    expect(s.cached.map((p) => p.name)).toEqual(['b']);
    expect(s.repository.map((p) => p.locked.name)).toEqual(['c']);
    expect(s.lockUrl).toEqual([{ locked: lock.packages[3], url: 'https://example.invalid/r/d/d.stone' }]);
    expect(s.missing.map((p) => p.name)).toEqual(['e']);
  });
});

describe('resolveLock', () => {
  it('makes the system exactly the lock: adds, removes, changes releases and flags', () => {
    const lock = lockOfPackages([locked(zlib, false), locked({ ...nano, release: 2 }, true)]);
    const plan = resolveLock(lock, {
      installed: [installed(zlib, true), installed(nano, true), installed(vim, true)],
      available: [candidate(zlib), candidate({ ...nano, release: 2 })],
      source: 'sys.lock',
    });
    expect(plan.install.map((c) => c.id)).toEqual([hashOf('nano', 2)]);
    expect(plan.remove.map((p) => p.meta.name).sort()).toEqual(['nano', 'vim']);
    expect(plan.change.map((c) => `${c.from.meta.release}→${c.to.meta.release}`)).toEqual(['1→2']);
    expect(plan.reflag.map((p) => p.meta.name)).toEqual(['zlib']);
    expect(plan.selections).toEqual([
      { id: hashOf('nano', 2), explicit: true, reason: 'locked in sys.lock' },
      { id: hashOf('zlib'), explicit: false, reason: 'required by nano (soname(libz.so.1(x86_64)))' },
    ]);
    expect(plan.unchanged).toBe(false);
  });

  it('is unchanged when the system is the lock, and orders a fresh root dependencies first', () => {
    const lock = lockOfPackages([locked(nano, true), locked(zlib, false)]);
    const fresh = resolveLock(lock, { installed: [], available: [candidate(nano), candidate(zlib)] });
    expect(fresh.install.map((c) => c.meta.name)).toEqual(['zlib', 'nano']);
    const same = resolveLock(lock, {
      installed: [installed(nano, true), installed(zlib, false)],
      available: [candidate(nano), candidate(zlib)],
    });
    expect(same.unchanged).toBe(true);
  });

  it('refuses a lock that does not work on its own, naming every problem', () => {
    const lock = lockOfPackages([locked(nano, true), locked({ name: 'x', conflicts: ['name(nano)'] }, true)]);
    try {
      resolveLock(lock, {
        installed: [],
        available: [candidate(nano), candidate({ name: 'x', conflicts: ['name(nano)'] })],
      });
      throw new Error('resolved');
    } catch (e) {
      expect(hasCode(e, 'LOCK_INCONSISTENT')).toBe(true);
      expect((e as Error).message).toContain(
        'nano 1.1-1 needs soname(libz.so.1(x86_64)), which no locked package provides',
      );
      expect((e as Error).message).toContain('x 1.1-1 conflicts with nano 1.1-1 (name(nano))');
    }
  });

  it('refuses a hash that is another package, and names every unavailable package', () => {
    const wrong = lockOfPackages([{ ...locked(zlib, true), name: 'zlob' }]);
    expect(() => resolveLock(wrong, { installed: [], available: [candidate(zlib)] })).toThrow(
      expect.objectContaining({ code: 'LOCK_MISMATCH' }),
    );
    const lock = lockOfPackages([locked(zlib, false), locked(nano, true)]);
    expect(() => resolveLock(lock, { installed: [], available: [] })).toThrow(
      expect.objectContaining({
        code: 'LOCK_UNAVAILABLE',
        message: expect.stringMatching(
          /2 package\(s\) of the lock can no longer be had; nothing was changed:\n {2}zlib 1\.1-1 .*\n {2}nano 1\.1-1/,
        ),
      }),
    );
  });
});

describe('resolveModel', () => {
  const repo = [candidate(zlib), candidate({ ...zlib, release: 2 }), candidate(nano), candidate(vim)];

  it('adds what is missing, keeping installed releases (no upgrade)', () => {
    const plan = resolveModel({
      packages: ['nano', 'vim'],
      installed: [installed(zlib, false), installed(nano, true)],
      candidates: repo,
    });
    expect(plan.install.map((c) => c.meta.name)).toEqual(['vim']);
    expect(plan.remove).toEqual([]);
    expect(plan.selections.find((s) => s.id === hashOf('zlib'))?.explicit).toBe(false);
    expect(plan.selections.some((s) => s.id === hashOf('zlib', 2))).toBe(false);
  });

  it('removes what the model no longer wants or needs, and demotes what it still needs', () => {
    const plan = resolveModel({
      packages: ['nano'],
      installed: [installed(zlib, true), installed(nano, true), installed(vim, true)],
      candidates: repo,
    });
    expect(plan.remove.map((p) => p.meta.name)).toEqual(['vim']);
    expect(plan.reflag.map((p) => p.meta.name)).toEqual(['zlib']);
    expect(plan.install).toEqual([]);
    expect(
      resolveModel({ packages: [], installed: [installed(zlib, true)], candidates: repo }).remove,
    ).toHaveLength(1);
  });

  it('is unchanged on a system that matches, and names unknown packages', () => {
    const plan = resolveModel({
      packages: ['nano'],
      installed: [installed(zlib, false), installed(nano, true)],
      candidates: repo,
    });
    expect(plan.unchanged).toBe(true);
    expect(() =>
      resolveModel({ packages: ['nano', 'emacs', 'binary(ed)'], installed: [], candidates: repo }),
    ).toThrow(
      expect.objectContaining({
        code: 'RESOLVE_NOT_FOUND',
        message: expect.stringContaining('name(emacs), binary(ed)'),
      }),
    );
  });
});
