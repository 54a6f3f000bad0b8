import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The build dependencies a host-mode build cannot find on this machine: `binary(x)` and
 * `sysbinary(x)` looked up in /usr/bin and /usr/sbin, `pkgconfig(x)` through `pkg-config
 * --exists`. Other kinds (sonames, names of packages) have no host equivalent and are not
 * checked. Said before the build, so a missing tool is one line, not a failed configure
 * buried in a log (the complaint of os-tools#556).
 */
export function missingOnHost(deps: readonly string[]): string[] {
  const missing: string[] = [];
  const hasPkgConfig = existsSync('/usr/bin/pkg-config');
  for (const d of deps) {
    const m = /^(binary|sysbinary|pkgconfig)\((.+)\)$/.exec(d);
    if (!m) continue;
    const [, kind, name] = m as unknown as [string, string, string];
    if (kind === 'pkgconfig') {
      if (hasPkgConfig && spawnSync('/usr/bin/pkg-config', ['--exists', name]).status !== 0) missing.push(d);
    } else if (!['/usr/bin', '/usr/sbin'].some((dir) => existsSync(`${dir}/${name}`))) missing.push(d);
  }
  return missing;
}
