import { readdirSync } from 'node:fs';
import type { Trigger, TriggerPath } from './trigger.js';

/**
 * The paths of a `/usr` tree on disk that `triggers` can match, found without listing the
 * whole tree: a directory is read only when some pattern may match below it
 * (`Pattern.mayMatchBelow`), so `/usr/lib/modules/(version:*)/*` reads `/usr`, `/usr/lib`,
 * `/usr/lib/modules` and each version's directory, not the 350,000 entries of a whole system.
 * Every path below a directory it skips matches no pattern, so `collectCommands` gives the
 * same commands as over a full listing. Symlinks are listed, never followed. `ignore` names
 * entries of `/usr` itself that are not part of any layout (moss's `.stateID`).
 */
export function walkTriggerPaths(
  usrDir: string,
  triggers: readonly Trigger[],
  ignore: ReadonlySet<string> = new Set(),
): TriggerPath[] {
  const patterns = triggers.flatMap((t) => t.paths.map((r) => r.pattern));
  const out: TriggerPath[] = [];
  const visit = (host: string, path: string, top: boolean) => {
    if (!patterns.some((p) => p.mayMatchBelow(path))) return;
    for (const d of readdirSync(host, { withFileTypes: true })) {
      if (top && ignore.has(d.name)) continue;
      const p = `${path}/${d.name}`;
      const type = d.isDirectory() ? 'directory' : d.isSymbolicLink() ? 'symlink' : 'file';
      out.push({ path: p, type });
      if (type === 'directory') visit(`${host}/${d.name}`, p, false);
    }
  };
  visit(usrDir, '/usr', true);
  return out;
}
