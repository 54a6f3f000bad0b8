import { homedir } from 'node:os';
import { join } from 'node:path';

export interface BoulderDirs {
  /** Upstreams, build work dirs and build roots. */
  readonly cacheDir: string;
  /** Profile config dirs, read in order (later wins). */
  readonly configDirs: readonly string[];
  /** Where `profile add` saves. */
  readonly saveDir: string;
}

/**
 * boulder's directories as the original resolves them: as root `/var/cache/boulder` and the
 * vendor then admin config dirs; otherwise the XDG cache and config homes. `configDir`
 * replaces every config dir.
 */
export function boulderDirs(opts: { cacheDir?: string; configDir?: string } = {}): BoulderDirs {
  const root = process.getuid?.() === 0;
  const xdg = (name: string, fallback: string) => process.env[name] || join(homedir(), fallback);
  const cacheDir =
    opts.cacheDir ?? (root ? '/var/cache/boulder' : join(xdg('XDG_CACHE_HOME', '.cache'), 'boulder'));
  const configDirs = opts.configDir
    ? [opts.configDir]
    : root
      ? ['/usr/share/boulder', '/etc/boulder']
      : ['/usr/share/boulder', '/etc/boulder', join(xdg('XDG_CONFIG_HOME', '.config'), 'boulder')];
  return { cacheDir, configDirs, saveDir: configDirs.at(-1)! };
}
