import {
  checkRepositoryUri,
  parsePublicKey,
  type Repository,
  sanitizeRepositoryId,
} from '@serpent/repository';
import type { ExplicitRepositories, RefreshResult, RootEvent } from '../root/root-types.js';
import { type RepositoryStatus, refreshRepositoryList, statusOf } from './repository-state.js';

/**
 * Repositories a caller names instead of the configured ones (boulder's profile), with the
 * state of their caches, each index fetched first when it never was, no longer verifies by its
 * keys, or `update` asks: as the original boulder initialises its explicit repositories.
 * Nothing is written to the configuration.
 */
export async function explicitRepositories(
  root: string,
  explicit: ExplicitRepositories,
  options: { onEvent?: ((e: RootEvent) => void) | undefined; maxIndexBytes?: number | undefined } = {},
): Promise<{ repositories: RepositoryStatus[]; refreshed: RefreshResult[] }> {
  const wanted: Repository[] = explicit.list.map((r) => {
    const id = sanitizeRepositoryId(r.id);
    return {
      id,
      description: r.description ?? '...',
      uri: checkRepositoryUri(r.uri, { repo: id }),
      priority: r.priority ?? 0,
      active: true,
      keys: (r.keys ?? []).map((k) => parsePublicKey(k, `a key of repository ${id}`).base64),
      source: 'explicit',
      scope: 'admin',
    };
  });
  const client = explicit.client ?? 'moss';
  const status = () => Promise.all(wanted.map((r) => statusOf(root, r, client)));
  const before = await status();
  const stale = before.filter((r) => explicit.update || r.fetchedAt === undefined || !r.trusted);
  if (stale.length === 0) return { repositories: before, refreshed: [] };
  const refreshed = await refreshRepositoryList(stale, options.onEvent, options.maxIndexBytes);
  return { repositories: await status(), refreshed };
}
