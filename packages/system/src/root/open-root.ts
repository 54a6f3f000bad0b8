import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TransactionError } from '../transaction-error.js';
import { rootBoot } from './root-boot.js';
import { rootLayout } from './root-layout.js';
import { rootPackages } from './root-packages.js';
import { commitChange, planChange } from './root-plan.js';
import { rootRepositories } from './root-repositories.js';
import { RootSession } from './root-session.js';
import { rootStates } from './root-states.js';
import type { OpenRootOptions, Root } from './root-types.js';

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
  return {
    path: root,
    plan: (request) => planChange(session, request),
    commit: (plan) => commitChange(session, plan),
    repositories: rootRepositories(session),
    packages: rootPackages(session),
    states: rootStates(session),
    boot: rootBoot(session, root),
    close,
    [Symbol.asyncDispose]: close,
  };
}
