import type { Plan, PlannedChange, PlannedPackage } from './root-types.js';

/** One part of a plan as a person reads it before saying yes: a title and its items. */
export interface PlanSection {
  /** What the items are: `Upgrade`, `The following package(s) will be installed`, … */
  readonly title: string;
  /** One line each: `nano 8.0-1`, `nano 7.2-1 → 8.0-1`, `hello 1.0-1  (orphan: only needed by x)`. */
  readonly items: readonly string[];
  /** Short items (package labels) that a display may lay out in columns; the others take a line each. */
  readonly columns: boolean;
}

const label = (p: PlannedPackage) => `${p.name} ${p.version}-${p.release}`;
const change = (c: PlannedChange) => `${c.name} ${c.from} → ${c.to}`;
const section = (title: string, items: readonly string[], columns = false): PlanSection[] =>
  items.length > 0 ? [{ title, items, columns }] : [];
const changes = (plan: Plan) => [
  ...section('Upgrade', plan.upgrade.map(change)),
  ...section('Downgrade', plan.downgrade.map(change)),
  ...section('Rebuilt', plan.rebuild.map(change)),
];

/**
 * Any plan as the sections a tool shows before asking, in the words of `moss` (the same for an
 * installer that shows what it is about to do): what goes and why, what comes, what moves from
 * one release to another. Empty sections are left out. Names, versions and reasons come from
 * packages: a display shows each item on one line, escaping what it must.
 */
export function planSummary(plan: Plan): PlanSection[] {
  const into = plan.to === undefined ? '' : ` into ${plan.to}/usr`;
  switch (plan.kind) {
    case 'remove':
      return section(
        'The following package(s) will be removed',
        plan.remove.map(
          (x) => `${label(x.package)}${x.reason === 'requested' ? '' : `  (${x.reason}: ${x.because})`}`,
        ),
      );
    case 'install':
      return [
        ...section(`The following package(s) will be installed${into}`, plan.install.map(label), true),
        ...section('Replacing', plan.replace.map(change)),
      ];
    case 'lock':
    case 'model': {
      const changed = new Set([...plan.upgrade, ...plan.downgrade, ...plan.rebuild].map((c) => c.name));
      return [
        ...changes(plan),
        ...section(`Install${into}`, plan.install.filter((p) => !changed.has(p.name)).map(label), true),
        ...section(
          plan.kind === 'lock' ? 'Remove (not in the lock)' : 'Remove (not wanted or needed by the model)',
          plan.remove.map((x) => label(x.package)),
          true,
        ),
        ...section(
          'Explicit flag',
          plan.reflag.map(
            (f) => `${f.name}: ${f.explicit ? 'dependency → explicit' : 'explicit → dependency'}`,
          ),
          true,
        ),
        ...section(
          'Repository configuration',
          plan.configure.map((c) =>
            c.action === 'write' ? `write ${c.id} (${c.uri})` : `disable ${c.id} (not in the model)`,
          ),
          true,
        ),
      ];
    }
    case 'sync':
      return [
        ...changes(plan),
        ...section('New dependencies', plan.newDependencies.map(label)),
        ...section(
          'Remove (no longer needed)',
          plan.remove.map((x) => `${x.package.name} (${x.because})`),
        ),
        ...section(
          'Kept (in no enabled repository)',
          plan.unavailable.map((p) => p.name),
          true,
        ),
      ];
  }
}
