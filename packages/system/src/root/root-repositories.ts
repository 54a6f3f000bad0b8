import { rm } from 'node:fs/promises';
import { isSerpentError } from '@serpent/errors';
import {
  addRepository,
  loadRepositories,
  removeRepository,
  repositoryCacheDir,
  sanitizeRepositoryId,
  setRepositoryActive,
  trustedKeysOf,
} from '@serpent/repository';
import { explicitRepositories } from '../repositories/explicit-repositories.js';
import { refreshRepositories, repositoryStatus } from '../repositories/repository-state.js';
import { TransactionError } from '../transaction-error.js';
import type { RootSession } from './root-session.js';
import type { Repositories, RepositoryInfo } from './root-types.js';

/**
 * The repositories of a root. Every call holds the root lock: a configuration change and the
 * cached index and database it names are one consistent thing to another moss.
 */
export function rootRepositories(session: RootSession): Repositories {
  return {
    list: () =>
      session.locked(async (l) => {
        const { repositories, problems } = await repositoryStatus(l.layout.root);
        return {
          repositories: repositories.map(({ cacheDir: _, ...r }): RepositoryInfo => r),
          problems,
        };
      }, 'read'),
    add: (repo) =>
      session.locked(async (l) => {
        const root = l.layout.root;
        // Adding a name that exists replaces its entry (how keys are rotated); if the new entry
        // fails, the one before it comes back rather than nothing.
        const before = (await loadRepositories(root)).repositories.find(
          (r) => r.id === sanitizeRepositoryId(repo.id),
        );
        const added = await addRepository(root, {
          id: repo.id,
          uri: repo.uri,
          priority: repo.priority ?? 0,
          ...(repo.description === undefined ? {} : { description: repo.description }),
          ...(repo.keys === undefined ? {} : { keys: repo.keys }),
        });
        try {
          const [result] = await refreshRepositories(root, {
            ids: [added.id],
            onEvent: session.onEvent,
            maxIndexBytes: session.maxIndexBytes,
          });
          return { ...result!, keyIds: trustedKeysOf(added).map((k) => k.id) };
        } catch (cause) {
          const restore = before !== undefined && before.source === added.source;
          if (restore) {
            await addRepository(root, {
              id: before.id,
              uri: before.uri,
              description: before.description,
              priority: before.priority,
              active: before.active,
              keys: before.keys,
            });
          } else {
            // A repository whose index cannot be fetched is of no use, and left configured it
            // would fail every later install and update: take it out again.
            await removeRepository(root, added.id);
          }
          // The last good index stays when the repository (at that URI) stays.
          if (before?.uri !== added.uri)
            await rm(await repositoryCacheDir(root, added.uri), { recursive: true, force: true });
          // The cause's own hint says what to do about it (an index over the size limit: raise
          // the limit), so it is passed on; its code goes into the details for scripts.
          const why = isSerpentError(cause) ? cause : undefined;
          throw new TransactionError(
            'TX_REPOSITORY_NOT_ADDED',
            restore
              ? `repository ${added.id} was not changed: its index could not be fetched with the new entry (the previous entry is kept)`
              : `repository ${added.id} was not added: its index could not be fetched (nothing is configured)`,
            {
              cause,
              hint:
                why?.hint ??
                'check the URI (it names a stone.index), the keys and the network, then run `moss repo add` again',
              details: { repo: added.id, uri: added.uri, ...(why ? { cause: why.code } : {}) },
            },
          );
        }
      }),
    remove: (id) =>
      session.locked(async (l) => {
        const { repository, revealed } = await removeRepository(l.layout.root, id);
        // A vendor entry of the same name that shows again may use the same cache.
        if (revealed?.uri !== repository.uri)
          await rm(await repositoryCacheDir(l.layout.root, repository.uri), { recursive: true, force: true });
      }),
    enable: (id) => session.locked(async (l) => void (await setRepositoryActive(l.layout.root, id, true))),
    disable: (id) => session.locked(async (l) => void (await setRepositoryActive(l.layout.root, id, false))),
    refreshExplicit: (explicit) =>
      session.locked(
        async (l) =>
          (
            await explicitRepositories(
              l.layout.root,
              { ...explicit, update: true },
              { onEvent: session.onEvent, maxIndexBytes: session.maxIndexBytes },
            )
          ).refreshed,
      ),
    refresh: (ids) =>
      session.locked((l) =>
        refreshRepositories(l.layout.root, {
          ...(ids?.length ? { ids: ids.map(sanitizeRepositoryId) } : {}),
          onEvent: session.onEvent,
          maxIndexBytes: session.maxIndexBytes,
        }),
      ),
  };
}
