import { resolve } from 'node:path';
import { UsageError } from '@serpent/errors';
import { type BootConfig, readBootConfig, writeBootConfig } from '../boot/boot-config.js';
import type { RootSession } from './root-session.js';
import type { Boot } from './root-types.js';

/** A missing input the caller must give, so a UsageError (the tools exit 2 on it). */
function bootDirNeeded(root: string): UsageError {
  return new UsageError(
    `${root} is an image, not the running system: say where its ESP is with --boot-dir DIR`,
    `\`moss -D ${root} boot sync --boot-dir DIR\` remembers it for the root`,
  );
}

/** Boot entries per state. A root other than `/` is an image: only an ESP you name is touched. */
export function rootBoot(session: RootSession, root: string): Boot {
  const image = resolve(root) !== '/';
  return {
    async status(dirs = {}) {
      const config = readBootConfig(root);
      const bootDir = dirs.bootDir ?? config.bootDir;
      const xbootldrDir = dirs.xbootldrDir ?? config.xbootldrDir;
      if (image && !bootDir) throw bootDirNeeded(root);
      const { bootStatus } = await import('@serpent/boot');
      return bootStatus({ root, ...(bootDir ? { bootDir } : {}), ...(xbootldrDir ? { xbootldrDir } : {}) });
    },
    sync: (options = {}) =>
      session.locked(async (l) => {
        const config = readBootConfig(root);
        if (image && !options.bootDir && !config.bootDir) throw bootDirNeeded(root);
        const override: BootConfig = {
          ...(options.bootDir ? { bootDir: resolve(options.bootDir) } : {}),
          ...(options.xbootldrDir ? { xbootldrDir: resolve(options.xbootldrDir) } : {}),
          ...(options.keep !== undefined ? { keep: options.keep } : {}),
        };
        if (Object.keys(override).length > 0) writeBootConfig(root, { ...config, ...override });
        const { syncBootEntries } = await import('../boot/sync-boot-entries.js');
        return syncBootEntries(l, { override, ...(session.onEvent ? { onEvent: session.onEvent } : {}) });
      }),
  };
}
