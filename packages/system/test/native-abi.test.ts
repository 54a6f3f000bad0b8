import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isNativeLoadError } from '../src/db/sqlite-handle.js';
import { openStateDb } from '../src/db/state-db.js';

describe('better-sqlite3 native module', () => {
  it(`loads under this Node (${process.version}, NODE_MODULE_VERSION ${process.versions.modules})`, () => {
    // A fresh process, so a module that only a warm cache can load does not hide the problem.
    const r = spawnSync(
      process.execPath,
      ['-e', "require('better-sqlite3')(':memory:').prepare('select 1').get()"],
      {
        encoding: 'utf8',
        cwd: import.meta.dirname,
      },
    );
    if (r.status !== 0) {
      throw new Error(
        `better-sqlite3 does not load in Node ${process.version} (ABI ${process.versions.modules}). ` +
          `Run \`pnpm install\` at the repository root: its postinstall (scripts/ensure-native.mjs) rebuilds it ` +
          `for the pinned Node.\n${r.stderr}`,
      );
    }
    expect(r.status).toBe(0);
  });

  it('opens a database in this process too', async () => {
    const s = await openStateDb(':memory:');
    expect(s.listStates()).toEqual([]);
    await s.close();
  });

  it('recognises the loader errors of a module built for another ABI', () => {
    const abi = new Error(
      "The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 137.",
    );
    expect(isNativeLoadError(Object.assign(abi, { code: 'ERR_DLOPEN_FAILED' }))).toBe(true);
    expect(isNativeLoadError(new Error('SQLITE_CANTOPEN: unable to open database file'))).toBe(false);
  });
});
