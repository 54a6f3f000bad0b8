import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '@serpent/errors';

export interface BoulderDirs {
  /** Upstreams, build work dirs and build roots. */
  readonly cacheDir: string;
  /** Profile config dirs, read in order (later wins). */
  readonly configDirs: readonly string[];
  /** Where `profile add` saves. */
  readonly saveDir: string;
  /**
   * boulder's moss dir: the profile's repository indexes, the downloads and the store that
   * every build root is hard links into (`moss -D <mossDir> install --to <root>`).
   */
  readonly mossDir: string;
}

/**
 * boulder's directories as the original resolves them: as root `/var/cache/boulder`, its moss
 * dir `/var/cache/boulder/moss` and the vendor then admin config dirs; otherwise the XDG cache
 * home's `boulder` and `moss` and the XDG config home. `configDir` replaces every config dir,
 * `mossRoot` the moss dir (never `/`: boulder does not touch the running system's moss).
 */
export function boulderDirs(
  opts: { cacheDir?: string; configDir?: string; mossRoot?: string } = {},
): BoulderDirs {
  const root = process.getuid?.() === 0;
  const xdg = (name: string, fallback: string) => process.env[name] || join(homedir(), fallback);
  const cacheDir =
    opts.cacheDir ?? (root ? '/var/cache/boulder' : join(xdg('XDG_CACHE_HOME', '.cache'), 'boulder'));
  const mossDir = resolve(
    opts.mossRoot ?? (root ? '/var/cache/boulder/moss' : join(xdg('XDG_CACHE_HOME', '.cache'), 'moss')),
  );
  if (mossDir === '/') {
    throw new UsageError(
      'boulder: --moss-root / is the running system: its moss state is not for build roots',
      'give boulder a moss dir of its own (the default is /var/cache/boulder/moss as root)',
    );
  }
  const configDirs = opts.configDir
    ? [opts.configDir]
    : root
      ? ['/usr/share/boulder', '/etc/boulder']
      : ['/usr/share/boulder', '/etc/boulder', join(xdg('XDG_CONFIG_HOME', '.config'), 'boulder')];
  return { cacheDir, configDirs, saveDir: configDirs.at(-1)!, mossDir };
}
