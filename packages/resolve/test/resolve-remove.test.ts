import { describe, expect, it } from 'vitest';
import { resolveRemove } from '../src/index.js';
import { inst, pkg, thrown } from './graph.js';

const removed = (plan: ReturnType<typeof resolveRemove>) =>
  plan.remove.map((r) => `${r.package.meta.name}:${r.reason}`);

describe('resolveRemove', () => {
  // The DAG vector of libs.md §5.2: app→libA, app→libB, libA→libc, libB→libc, and `other`.
  const libc = pkg('libc', { provides: ['soname(libc.so.6)'] });
  const libA = pkg('libA', { provides: ['soname(liba.so.1)'], depends: ['soname(libc.so.6)'] });
  const libB = pkg('libB', { provides: ['soname(libb.so.1)'], depends: ['soname(libc.so.6)'] });
  const app = pkg('app', { provides: ['binary(app)'], depends: ['soname(liba.so.1)', 'soname(libb.so.1)'] });
  const other = pkg('other');
  const system = [inst(app, true), inst(libA), inst(libB), inst(libc, true), inst(other, true)];

  it('removes every reverse dependency, dependents first, naming why', () => {
    const plan = resolveRemove({ request: ['libc'], installed: system });
    expect(removed(plan)).toEqual([
      'app:reverse-dependency',
      'libB:reverse-dependency',
      'libA:reverse-dependency',
      'libc:requested',
    ]);
    expect(plan.remove[1]!.because).toBe('needs soname(libc.so.6), which only libc provided');
    expect(plan.selections).toEqual([{ id: other.id, explicit: true }]);
  });

  it('removes the orphans a removal leaves, and only those', () => {
    const plan = resolveRemove({ request: ['binary(app)'], installed: system });
    // libA and libB were only there for app; libc is explicit and stays.
    expect(removed(plan)).toEqual(['app:requested', 'libB:orphan', 'libA:orphan']);
    expect(plan.selections.map((s) => s.id)).toEqual([libc.id, other.id]);
  });

  it('keeps transitive packages that were already unreachable before the removal', () => {
    const stray = pkg('stray', { depends: ['soname(liba.so.1)'] });
    const plan = resolveRemove({ request: ['app'], installed: [...system, inst(stray)] });
    expect(removed(plan)).toEqual(['app:requested', 'libB:orphan']);
  });

  it('keeps a dependent when another installed package still provides what it needs', () => {
    const sh = ['binary(sh)'];
    const bash = pkg('bash', { provides: sh });
    const dash = pkg('dash', { provides: sh });
    const script = pkg('script', { depends: sh });
    const plan = resolveRemove({
      request: ['bash'],
      installed: [inst(bash, true), inst(dash, true), inst(script, true)],
    });
    expect(removed(plan)).toEqual(['bash:requested']);
  });

  it('does not fail on a dependency that was already broken (issue #524)', () => {
    const rust = pkg('rust', { depends: ['soname(libLLVM.so.20.1(x86_64))'] });
    const plan = resolveRemove({ request: ['rust'], installed: [inst(rust, true), inst(other, true)] });
    expect(removed(plan)).toEqual(['rust:requested']);
  });

  it('names every request that is not installed', () => {
    const e = thrown(() => resolveRemove({ request: ['nope', 'app', 'binary(x)'], installed: system }));
    expect(e.code).toBe('RESOLVE_NOT_INSTALLED');
    expect(e.message).toBe('not installed: nope, binary(x)');
  });

  it('removes a cycle together', () => {
    const a = pkg('a', { depends: ['name(b)'] });
    const b = pkg('b', { depends: ['name(a)'] });
    const plan = resolveRemove({ request: ['a'], installed: [inst(a, true), inst(b)] });
    expect(removed(plan).sort()).toEqual(['a:requested', 'b:reverse-dependency']);
  });
});
