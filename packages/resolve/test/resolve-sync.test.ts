import { describe, expect, it } from 'vitest';
import { resolveSync } from '../src/index.js';
import { inst, names, pkg, thrown } from './graph.js';

const ids = (xs: readonly { from: { id: string }; to: { id: string } }[]) =>
  xs.map((x) => `${x.from.id} -> ${x.to.id}`);

describe('resolveSync', () => {
  const a1 = pkg('a', { release: 1 });
  const a2 = pkg('a', { release: 2 });
  const b3 = pkg('b', { release: 3 });
  const b2 = pkg('b', { release: 2 });
  const c1 = pkg('c', { release: 1 });
  const gone = pkg('gone', { repo: 'old-repo' });

  it('upgrades, downgrades, keeps, and keeps what no repository offers', () => {
    const plan = resolveSync({
      installed: [inst(a1, true), inst(b3, true), inst(c1, true), inst(gone, true)],
      candidates: [a2, a1, b2, c1],
    });
    expect(ids(plan.upgrade)).toEqual([`${a1.id} -> ${a2.id}`]);
    expect(ids(plan.downgrade)).toEqual([`${b3.id} -> ${b2.id}`]);
    expect(names(plan.keep)).toEqual(['c']);
    expect(names(plan.unavailable)).toEqual(['gone']);
    expect(names(plan.install)).toEqual(['a', 'b']);
    expect(plan.remove).toEqual([]);
    expect(plan.selections.map((s) => s.id)).toEqual([a2.id, b2.id, c1.id, gone.id]);
  });

  it('never downgrades with upgradeOnly', () => {
    const plan = resolveSync({
      installed: [inst(a1, true), inst(b3, true)],
      candidates: [a2, b2],
      upgradeOnly: true,
    });
    expect(ids(plan.upgrade)).toEqual([`${a1.id} -> ${a2.id}`]);
    expect(plan.downgrade).toEqual([]);
    expect(names(plan.unavailable)).toEqual([]);
    expect(plan.selections.map((s) => s.id)).toEqual([a2.id, b3.id]);
  });

  it('follows repository priority: a higher-priority repository wins even with an older release', () => {
    const mine = pkg('a', { release: 1, build: 7, repo: 'local', priority: 100 });
    const plan = resolveSync({ installed: [inst(a2, true)], candidates: [a2, mine] });
    expect(ids(plan.downgrade)).toEqual([`${a2.id} -> ${mine.id}`]);
  });

  it('pulls in new dependencies and removes the transitive packages nothing needs any more', () => {
    const libOld = pkg('libold', { provides: ['soname(libold.so.1)'] });
    const libNew = pkg('libnew', { provides: ['soname(libnew.so.1)'] });
    const app1 = pkg('app', { release: 1, depends: ['soname(libold.so.1)'] });
    const app2 = pkg('app', { release: 2, depends: ['soname(libnew.so.1)'] });
    const stray = pkg('stray');
    const plan = resolveSync({
      installed: [inst(app1, true, 'requested as app'), inst(libOld, false), inst(stray, false)],
      candidates: [app2, libOld, libNew, stray],
    });
    expect(names(plan.install)).toEqual(['libnew', 'app']);
    expect(names(plan.newDependencies)).toEqual(['libnew']);
    expect(plan.remove.map((r) => `${r.package.meta.name}:${r.reason}`)).toEqual(['libold:orphan']);
    // `stray` was unreachable before the sync: kept (issue #587).
    expect(plan.selections).toEqual([
      { id: libNew.id, explicit: false, reason: 'required by app (soname(libnew.so.1))' },
      { id: app2.id, explicit: true, reason: 'requested as app' },
      { id: stray.id, explicit: false },
    ]);
  });

  it('counts a rebuilt stone of the same release as a rebuild', () => {
    const rebuilt = { ...a1, id: 'a-1-1@rebuilt' };
    const plan = resolveSync({ installed: [inst(a1, true)], candidates: [rebuilt] });
    expect(ids(plan.rebuild)).toEqual([`${a1.id} -> a-1-1@rebuilt`]);
  });

  it('names the chain when an upgrade needs a provider nothing offers', () => {
    const app2 = pkg('app', { release: 2, depends: ['soname(libgone.so.1)'] });
    const e = thrown(() => resolveSync({ installed: [inst(pkg('app'), true)], candidates: [app2] }));
    expect(e.code).toBe('RESOLVE_MISSING_PROVIDER');
    expect(e.message).toBe(
      'app needs soname(libgone.so.1), which no package provides: explicitly installed app → app → soname(libgone.so.1)',
    );
  });

  it('enforces conflicts between the synced packages', () => {
    const x = pkg('x', { provides: ['binary(vi)'] });
    const y2 = pkg('y', { release: 2, conflicts: ['binary(vi)'] });
    const e = thrown(() =>
      resolveSync({ installed: [inst(x, true), inst(pkg('y'), true)], candidates: [x, y2] }),
    );
    expect(e.code).toBe('RESOLVE_CONFLICT');
    expect(e.message).toContain('y conflicts with x');
  });
});
