import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TransactionError } from '../transaction-error.js';
import { rootLayout } from './root-layout.js';
import { RootSession } from './root-session.js';
import type { Boot, OpenRootOptions, Packages, Repositories, Root, States } from './root-types.js';

/**
 * A group of a Root's calls whose code is loaded on the first call: importing this package
 * (and opening a root) loads none of the resolver, the repositories, SQLite or the engine.
 */
function lazyGroup<G extends object>(load: () => Promise<G>, names: readonly (keyof G & string)[]): G {
  let loaded: Promise<G> | undefined;
  const call =
    (name: keyof G & string) =>
    async (...args: unknown[]): Promise<unknown> => {
      loaded ??= load();
      return ((await loaded)[name] as (...a: unknown[]) => unknown)(...args);
    };
  return Object.fromEntries(names.map((n) => [n, call(n)])) as G;
}

/**
 * Opens a system root (any directory; `/` is the running system): the one way into it for
 * moss, boulder and installers. Nothing is locked or loaded yet: each call takes the root's
 * lock for its duration and opens what it needs (the databases for a listing; the store and the
 * engine only for a change), first settling a transaction a crash interrupted.
 *
 * ```ts
 * await using root = await openRoot('/mnt/target', { onEvent: console.error });
 * const plan = await root.plan({ add: ['./hello-2.0-3-1-x86_64.stone'] });
 * await root.commit(plan);
 * ```
 *
 * Throws TX_ROOT_INVALID when the path is not a directory.
 */
export async function openRoot(path: string, options: OpenRootOptions = {}): Promise<Root> {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new TransactionError('TX_ROOT_INVALID', `the root ${root} does not exist or is not a directory`, {
      hint: 'create it first (`mkdir -p ROOT`), or pass the right directory with -D',
      details: { root },
    });
  }
  const session = new RootSession(rootLayout(root), options);
  const close = () => session.close();
  const plans = () => import('./root-plan.js');
  return {
    path: root,
    plan: async (request) => (await plans()).planChange(session, request),
    commit: async (plan) => (await plans()).commitChange(session, plan),
    repositories: lazyGroup<Repositories>(
      async () => (await import('./root-repositories.js')).rootRepositories(session),
      ['list', 'add', 'remove', 'enable', 'disable', 'refresh', 'refreshExplicit'],
    ),
    packages: lazyGroup<Packages>(
      async () => (await import('./root-packages.js')).rootPackages(session),
      ['installed', 'available', 'byProvider', 'info', 'search'],
    ),
    states: lazyGroup<States>(
      async () => (await import('./root-states.js')).rootStates(session),
      ['list', 'active', 'activate', 'remove', 'prune', 'verify', 'repair', 'exportLock', 'exportModel'],
    ),
    boot: lazyGroup<Boot>(
      async () => (await import('./root-boot.js')).rootBoot(session, root),
      ['status', 'sync'],
    ),
    close,
    [Symbol.asyncDispose]: close,
  };
}
