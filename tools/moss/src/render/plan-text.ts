import { formatColumns } from '@serpent/cli';
import type { Plan, PlannedChange, PlannedPackage } from '@serpent/system';

const label = (p: PlannedPackage) => `${p.name} ${p.version}-${p.release}`;
const changes = (title: string, list: readonly PlannedChange[]) =>
  list.length ? `${title}:\n${list.map((c) => `  ${c.name} ${c.from} → ${c.to}\n`).join('')}` : '';

/** Any plan, as the summary shown before the confirmation. */
export function planText(plan: Plan, columns: number): string {
  if (plan.kind === 'remove') {
    const rows = plan.remove.map(
      (x) => `  ${label(x.package)}${x.reason === 'requested' ? '' : `  (${x.reason}: ${x.because})`}\n`,
    );
    return `The following package(s) will be removed:\n${rows.join('')}\n`;
  }
  if (plan.kind === 'install') {
    const into = plan.to === undefined ? '' : ` into ${plan.to}/usr`;
    return (
      `The following package(s) will be installed${into}:\n${formatColumns(plan.install.map(label), columns)}` +
      changes('Replacing', plan.replace) +
      '\n'
    );
  }
  return [
    changes('Upgrade', plan.upgrade),
    changes('Downgrade', plan.downgrade),
    changes('Rebuilt', plan.rebuild),
    plan.newDependencies.length
      ? `New dependencies:\n${plan.newDependencies.map((p) => `  ${label(p)}\n`).join('')}`
      : '',
    plan.remove.length
      ? `Remove (no longer needed):\n${plan.remove.map((x) => `  ${x.package.name} (${x.because})\n`).join('')}`
      : '',
    plan.unavailable.length
      ? `Kept (in no enabled repository): ${plan.unavailable.map((p) => p.name).join(', ')}\n`
      : '',
    '\n',
  ].join('');
}
