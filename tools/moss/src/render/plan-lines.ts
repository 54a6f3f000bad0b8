import { formatColumns } from '@serpent/cli';
import type { Plan, PlannedChange, PlannedPackage } from '@serpent/system';

const label = (p: PlannedPackage) => `${p.name} ${p.version}-${p.release}`;
const changes = (title: string, list: readonly PlannedChange[]) =>
  list.length ? [`${title}:`, ...list.map((c) => `  ${c.name} ${c.from} → ${c.to}`)] : [];
/** formatColumns shows each cell on one line, so its lines are lines. */
const columns = (items: readonly string[], width: number) =>
  formatColumns(items, width).replace(/\n$/, '').split('\n');

/**
 * Any plan, as the lines shown before the confirmation. Names, versions and reasons come from
 * packages: each is part of one line, which the report shows whole (escapes visible).
 */
export function planLines(plan: Plan, width: number): string[] {
  if (plan.kind === 'remove') {
    return [
      'The following package(s) will be removed:',
      ...plan.remove.map(
        (x) => `  ${label(x.package)}${x.reason === 'requested' ? '' : `  (${x.reason}: ${x.because})`}`,
      ),
    ];
  }
  if (plan.kind === 'lock' || plan.kind === 'model') {
    const into = plan.to === undefined ? '' : ` into ${plan.to}/usr`;
    const section = (title: string, rows: readonly string[]) =>
      rows.length ? [`${title}:`, ...columns(rows, width)] : [];
    const changed = new Set([...plan.upgrade, ...plan.downgrade, ...plan.rebuild].map((c) => c.name));
    return [
      ...changes('Upgrade', plan.upgrade),
      ...changes('Downgrade', plan.downgrade),
      ...changes('Rebuilt', plan.rebuild),
      ...section(`Install${into}`, plan.install.filter((p) => !changed.has(p.name)).map(label)),
      ...section(
        plan.kind === 'lock' ? 'Remove (not in the lock)' : 'Remove (not wanted or needed by the model)',
        plan.remove.map((x) => label(x.package)),
      ),
      ...section(
        'Explicit flag',
        plan.reflag.map(
          (f) => `${f.name}: ${f.explicit ? 'dependency → explicit' : 'explicit → dependency'}`,
        ),
      ),
      ...section(
        'Repository configuration',
        plan.configure.map((c) =>
          c.action === 'write' ? `write ${c.id} (${c.uri})` : `disable ${c.id} (not in the model)`,
        ),
      ),
    ];
  }
  if (plan.kind === 'install') {
    const into = plan.to === undefined ? '' : ` into ${plan.to}/usr`;
    return [
      `The following package(s) will be installed${into}:`,
      ...columns(plan.install.map(label), width),
      ...changes('Replacing', plan.replace),
    ];
  }
  return [
    ...changes('Upgrade', plan.upgrade),
    ...changes('Downgrade', plan.downgrade),
    ...changes('Rebuilt', plan.rebuild),
    ...(plan.newDependencies.length
      ? ['New dependencies:', ...plan.newDependencies.map((p) => `  ${label(p)}`)]
      : []),
    ...(plan.remove.length
      ? ['Remove (no longer needed):', ...plan.remove.map((x) => `  ${x.package.name} (${x.because})`)]
      : []),
    ...(plan.unavailable.length
      ? [`Kept (in no enabled repository): ${plan.unavailable.map((p) => p.name).join(', ')}`]
      : []),
  ];
}
