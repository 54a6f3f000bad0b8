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
