import { homedir } from 'node:os';
import { join } from 'node:path';

type Flags = Readonly<Record<string, string | true | string[]>>;
const str = (v: Flags[string] | undefined) => (typeof v === 'string' ? v : undefined);

/** boulder's directories, as the original resolves them (root vs. user). */
export function boulderDirs(flags: Flags) {
  const root = process.getuid?.() === 0;
  const xdg = (name: string, fallback: string) => process.env[name] || join(homedir(), fallback);
  const cacheDir =
    str(flags['cache-dir']) ??
    (root ? '/var/cache/boulder' : join(xdg('XDG_CACHE_HOME', '.cache'), 'boulder'));
  // Vendor profiles first, then the admin's (or the user's); --config-dir replaces them all.
  const configDir = str(flags['config-dir']);
  const configDirs = configDir
    ? [configDir]
    : root
      ? ['/usr/share/boulder', '/etc/boulder']
      : ['/usr/share/boulder', '/etc/boulder', join(xdg('XDG_CONFIG_HOME', '.config'), 'boulder')];
  return { cacheDir, configDirs, saveDir: configDirs.at(-1)! };
}
