import { existsSync, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { syncDirSync } from '@serpent/durable';
import { blit } from '@serpent/vfs';
import { exchangePaths } from '../fs/exchange-paths.js';
import { watchFilesystem } from '../fs/sync-filesystem.js';
import { TransactionError } from '../transaction-error.js';
import { buildStateTree, ensureRootLinks } from './apply-state.js';
import type { Fetcher, PreparedInstall } from './install-packages.js';
import { storePackages } from './install-packages.js';
import type { Installation } from './installation.js';
import { runStateTriggers } from './run-state-triggers.js';
import { dropTargetLedger, keepsTree, writeTargetLedger } from './target-ledger.js';
import { type EventSink, phase } from './transaction-event.js';

/** Where the new tree is blitted inside the target before it replaces `<target>/usr`. */
export const TARGET_STAGING = '.moss-usr-staging';

export interface InstallToResult {
  /** `<target>/usr`, now holding the resolved packages. */
  readonly usr: string;
  /** Entries in the new tree (the `/usr` directory itself excluded). */
  readonly entries: number;
  /**
   * `DIR/usr` already was exactly these packages' tree, untouched since it was made: it was
   * kept as it is (nothing fetched, stored, blitted or triggered).
   */
  readonly kept: boolean;
}

/**
 * `moss install --to DIR`: the resolved packages (planned with `ignoreInstalled`) become
 * `DIR/usr`, with the installation's store, databases and repositories, and no state recorded.
 * Only `DIR/usr` is replaced, and only at the end, by one `renameat2(RENAME_EXCHANGE)`: the rest
 * of DIR is never touched (the original deleted the whole DIR, moss PR #859), and a failure or a
 * kill before the exchange leaves `DIR/usr` as it was (the staging tree left behind is removed
 * by the next `--to` run). Transaction triggers run against the staged tree, system triggers
 * against DIR, both in a container rooted at DIR.
 */
export async function commitInstallTo(
  inst: Installation,
  prepared: {
    readonly plan: Pick<PreparedInstall['plan'], 'install' | 'selections'>;
    readonly stones: PreparedInstall['stones'];
  },
  targetDir: string,
  options: { onEvent?: EventSink; fetch?: Fetcher } = {},
): Promise<InstallToResult> {
  const { onEvent } = options;
  const target = checkInstallTarget(inst, targetDir);
  const selections = prepared.plan.selections.map((s) => ({ packageId: s.id, explicit: s.explicit }));
  const packages = [...new Set(selections.map((s) => s.packageId))].sort();
  const usr = join(target, 'usr');
  // The same packages as the tree already there, which nothing wrote to since: nothing to do
  // (boulder's second build of a recipe; see target-ledger.ts for what "untouched" means).
  const kept = keepsTree(target, packages);
  if (kept !== undefined) {
    ensureRootLinks(target);
    return { usr, entries: kept.entries, kept: true };
  }
  // From here on DIR/usr may stop being what the ledger says.
  dropTargetLedger(target);
  await storePackages(inst, {
    install: prepared.plan.install,
    stones: prepared.stones,
    fetch: options.fetch,
    onEvent,
  });
  const tree = await phase(onEvent, 'build', () => buildStateTree(inst, selections));
  const staging = join(target, TARGET_STAGING);
  // A staging tree left by an interrupted run is ours to delete: nothing else names it.
  rmSync(staging, { recursive: true, force: true });
  // Opened before the blit, so a writeback error of anything it writes fails the flush.
  const sync = watchFilesystem(target);
  try {
    await phase(onEvent, 'blit', () =>
      blit(tree, staging, {
        store: inst.store.assetsDir,
        onProgress: (p) => onEvent?.({ type: 'blit-progress', done: p.done, total: p.total }),
      }),
    );
    mkdirSync(join(target, 'etc'), { recursive: true });
    await phase(onEvent, 'triggers', () =>
      runStateTriggers(inst, 'transaction', staging, onEvent, tree, target),
    );
    await phase(onEvent, 'sync', () => sync.flush());
  } finally {
    sync.close();
  }
  await phase(onEvent, 'swap', () => {
    if (existsSync(usr)) {
      exchangePaths(staging, usr);
      // The old tree, now under the staging name, goes; a kill here leaves it for the next run.
      rmSync(staging, { recursive: true, force: true });
    } else {
      renameSync(staging, usr);
    }
    syncDirSync(target);
  });
  ensureRootLinks(target);
  await phase(onEvent, 'system-triggers', () => runStateTriggers(inst, 'system', usr, onEvent, tree, target));
  // The seal must be younger than every write above: ctimes advance by the kernel's coarse
  // clock tick (up to 10 ms at HZ=100), so a ledger written in the same tick as the last
  // directory change would make that directory look written to afterwards.
  await new Promise((r) => setTimeout(r, 20));
  const dirs = new Set(['']);
  for (const n of tree.walk()) if (n.kind === 'directory') dirs.add(n.path);
  writeTargetLedger(target, { version: 1, packages, entries: tree.size, dirs: [...dirs].sort() });
  return { usr, entries: tree.size, kept: false };
}

/**
 * The real path of an `install --to` target, or TX_TARGET_INVALID: it must be an existing
 * directory, not the installation root, on the store's filesystem. The CLI asks before its prompt.
 */
export function checkInstallTarget(inst: Installation, dir: string): string {
  const target = resolve(dir);
  let real: string;
  try {
    if (!statSync(target).isDirectory()) throw new Error('not a directory');
    real = realpathSync(target);
  } catch {
    throw new TransactionError('TX_TARGET_INVALID', `--to ${target}: no such directory`, {
      hint: 'create the directory first (only its usr/ is replaced)',
      details: { target },
    });
  }
  if (real === realpathSync(inst.root)) {
    throw new TransactionError('TX_TARGET_INVALID', `--to ${target} is the installation root itself`, {
      hint: 'install without --to to change this root, or name another directory',
      details: { target },
    });
  }
  // Hard links cannot cross filesystems; say so before any work rather than after the blit.
  if (lstatSync(real).dev !== statSync(inst.store.assetsDir).dev) {
    throw new TransactionError(
      'TX_TARGET_INVALID',
      `--to ${target} is on another filesystem than the store ${inst.store.assetsDir}`,
      {
        hint: 'pick a target on the same filesystem as the root given with -D (the tree is hard links into its store)',
        details: { target, store: inst.store.assetsDir },
      },
    );
  }
  return real;
}
