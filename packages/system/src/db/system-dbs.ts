import { join } from 'node:path';
import { type LayoutDb, openLayoutDb } from './layout-db.js';
import { type MetaDb, openMetaDb } from './meta-db.js';
import type { OpenSqliteOptions } from './sqlite-handle.js';
import { openStateDb, type StateDb } from './state-db.js';

/** Where the three databases of a root live: the same files as the original moss. */
export function systemDbPaths(root: string): { install: string; layout: string; state: string } {
  const db = join(root, '.moss', 'db');
  return { install: join(db, 'install'), layout: join(db, 'layout'), state: join(db, 'state') };
}

export interface SystemDbs {
  readonly install: MetaDb;
  readonly layout: LayoutDb;
  readonly state: StateDb;
  close(): Promise<void>;
}

/**
 * Opens (creating and migrating) the install, layout and state DBs of `root`; with `readOnly`,
 * opens them for reading only, changing nothing on disk (see {@link OpenSqliteOptions}).
 */
export async function openSystemDbs(root: string, options: OpenSqliteOptions = {}): Promise<SystemDbs> {
  const paths = systemDbPaths(root);
  const install = await openMetaDb(paths.install, options);
  try {
    const layout = await openLayoutDb(paths.layout, options);
    try {
      const state = await openStateDb(paths.state, options);
      return {
        install,
        layout,
        state,
        close: async () => {
          await Promise.all([install.close(), layout.close(), state.close()]);
        },
      };
    } catch (e) {
      await layout.close();
      throw e;
    }
  } catch (e) {
    await install.close();
    throw e;
  }
}
