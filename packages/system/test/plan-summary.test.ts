import { describe, expect, it } from 'vitest';
import { type Plan, type PlannedPackage, planSummary } from '../src/index.js';

const pkg = (name: string, version = '1.0', release = 1): PlannedPackage => ({
  id: `${name}-id`,
  name,
  version,
  release,
  buildRelease: 1,
  summary: name,
  source: 'repository',
});

const plan = (kind: Plan['kind'], parts: Partial<Plan>): Plan => ({
  kind,
  install: [],
  remove: [],
  upgrade: [],
  downgrade: [],
  rebuild: [],
  replace: [],
  newDependencies: [],
  alreadyInstalled: [],
  unavailable: [],
  reflag: [],
  configure: [],
  empty: false,
  baseStateId: 1,
  ...parts,
});

describe('planSummary', () => {
  it('an install: its packages (in columns), what a named stone replaces, and where with --to', () => {
    expect(
      planSummary(
        plan('install', {
          install: [pkg('hello', '2.0', 3), pkg('libgreet')],
          replace: [{ name: 'hello', from: '1.0-1', to: '2.0-3' }],
          to: '/img',
        }),
      ),
    ).toEqual([
      {
        title: 'The following package(s) will be installed into /img/usr',
        items: ['hello 2.0-3', 'libgreet 1.0-1'],
        columns: true,
      },
      { title: 'Replacing', items: ['hello 1.0-1 → 2.0-3'], columns: false },
    ]);
  });

  it('a removal: each package with why it goes, unless it was asked for', () => {
    expect(
      planSummary(
        plan('remove', {
          remove: [
            { package: pkg('libgreet'), reason: 'requested', because: 'requested' },
            { package: pkg('hello'), reason: 'reverse-dependency', because: 'depends on libgreet' },
          ],
        }),
      ),
    ).toEqual([
      {
        title: 'The following package(s) will be removed',
        items: ['libgreet 1.0-1', 'hello 1.0-1  (reverse-dependency: depends on libgreet)'],
        columns: false,
      },
    ]);
  });

  it('a sync: moves up and down, new dependencies, orphans and what no repository has; nothing empty', () => {
    expect(
      planSummary(
        plan('sync', {
          upgrade: [{ name: 'nano', from: '7.2-1', to: '8.0-1' }],
          newDependencies: [pkg('ncurses', '6.5')],
          remove: [{ package: pkg('old'), reason: 'orphan', because: 'no longer needed by nano' }],
          unavailable: [pkg('local-only')],
        }),
      ).map((s) => [s.title, s.items]),
    ).toEqual([
      ['Upgrade', ['nano 7.2-1 → 8.0-1']],
      ['New dependencies', ['ncurses 6.5-1']],
      ['Remove (no longer needed)', ['old (no longer needed by nano)']],
      ['Kept (in no enabled repository)', ['local-only']],
    ]);
  });

  it('a lock or a model: a changed package is not installed twice; flags and repositories say what changes', () => {
    const parts: Partial<Plan> = {
      install: [pkg('nano', '8.0'), pkg('zlib')],
      upgrade: [{ name: 'nano', from: '7.2-1', to: '8.0-1' }],
      remove: [{ package: pkg('extra'), reason: 'not-wanted', because: 'not in the model' }],
      reflag: [{ name: 'zlib', explicit: false }],
      configure: [{ id: 'main', action: 'write', uri: 'https://example.org/stone.index' }],
    };
    expect(planSummary(plan('model', parts)).map((s) => [s.title, s.items])).toEqual([
      ['Upgrade', ['nano 7.2-1 → 8.0-1']],
      ['Install', ['zlib 1.0-1']],
      ['Remove (not wanted or needed by the model)', ['extra 1.0-1']],
      ['Explicit flag', ['zlib: explicit → dependency']],
      ['Repository configuration', ['write main (https://example.org/stone.index)']],
    ]);
    expect(planSummary(plan('lock', { ...parts, to: '/c' }))[1]?.title).toBe('Install into /c/usr');
    expect(planSummary(plan('lock', { ...parts, to: '/c' }))[2]?.title).toBe('Remove (not in the lock)');
  });
});
