import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '@serpent/concurrency';
import { hashFile } from '@serpent/durable';
import { download } from '@serpent/fetch';
import { BuildError } from './build-error.js';
import { upstreamError } from './download-file.js';
import type { GitUpstream, PlainUpstream, Upstream } from './upstream.js';

export type FetchEvent =
  | { readonly type: 'upstream-cached'; readonly uri: string; readonly path: string }
  | { readonly type: 'upstream-fetching'; readonly uri: string }
  | {
      readonly type: 'upstream-fetched';
      readonly uri: string;
      readonly path: string;
      readonly bytes: number;
    };

export interface FetchedUpstream {
  readonly upstream: Upstream;
  /** A verified file (plain) or a git mirror (git) in the cache. */
  readonly path: string;
}

export interface FetchOptions {
  /** Cache root: files land in `<cacheDir>/upstreams/`. */
  readonly cacheDir: string;
  readonly onEvent?: (e: FetchEvent) => void;
  /** Parallel downloads; the original uses 8. */
  readonly concurrency?: number;
}

/**
 * Fetches every upstream into the cache and verifies it, before any phase runs. Plain files are
 * stored under their own SHA-256 (`upstreams/sha256/<hash>`), so a second build — or another
 * recipe with the same tarball — fetches nothing; cache hits are re-hashed (the original trusts
 * them), so a damaged cache file is fetched again instead of poisoning every later build.
 * A mismatch is `BUILD_UPSTREAM_HASH_MISMATCH` naming the upstream and both hashes.
 */
export async function fetchUpstreams(
  upstreams: readonly Upstream[],
  opts: FetchOptions,
): Promise<FetchedUpstream[]> {
  return mapLimit(upstreams, opts.concurrency ?? 8, async (u) => ({
    upstream: u,
    path: u.kind === 'plain' ? await fetchPlain(u, opts) : await fetchGit(u, opts),
  }));
}

async function fetchPlain(u: PlainUpstream, opts: FetchOptions): Promise<string> {
  const want = u.hash.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(want)) {
    throw new BuildError('BUILD_UPSTREAM_HASH_MISMATCH', `upstream ${u.uri}: "${u.hash}" is not a SHA-256`, {
      hint: 'give the 64-hex-digit SHA-256 of the download (sha256sum <file>)',
      details: { uri: u.uri, expected: u.hash },
    });
  }
  const path = join(opts.cacheDir, 'upstreams', 'sha256', want.slice(0, 2), want);
  if (await exists(path)) {
    if ((await hashFile(path)) === want) {
      opts.onEvent?.({ type: 'upstream-cached', uri: u.uri, path });
      return path;
    }
    await rm(path, { force: true });
  }
  opts.onEvent?.({ type: 'upstream-fetching', uri: u.uri });
  let bytes: number;
  try {
    // Its own .part name per process: two builds may fetch the same tarball at once.
    ({ bytes } = await download(u.uri, path, { sha256: want, part: `${path}.${process.pid}.part` }));
  } catch (e) {
    throw upstreamError(e, u.uri, want);
  }
  opts.onEvent?.({ type: 'upstream-fetched', uri: u.uri, path, bytes });
  return path;
}

/** A bare mirror per repository, updated when the ref is not in it yet. */
async function fetchGit(u: GitUpstream, opts: FetchOptions): Promise<string> {
  const key = createHash('sha256').update(u.uri).digest('hex').slice(0, 16);
  const mirror = join(
    opts.cacheDir,
    'upstreams',
    'git',
    `${key}-${u.uri.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60)}`,
  );
  if (await exists(mirror)) {
    if ((await git(['-C', mirror, 'cat-file', '-e', `${u.ref}^{commit}`], u.uri, true)) === 0) {
      opts.onEvent?.({ type: 'upstream-cached', uri: u.uri, path: mirror });
      return mirror;
    }
    opts.onEvent?.({ type: 'upstream-fetching', uri: u.uri });
    await git(['-C', mirror, 'fetch', '--prune', '--tags', 'origin', '+refs/*:refs/*'], u.uri);
  } else {
    opts.onEvent?.({ type: 'upstream-fetching', uri: u.uri });
    await mkdir(dirname(mirror), { recursive: true });
    await rm(`${mirror}.part`, { recursive: true, force: true });
    await git(['clone', '--mirror', '--quiet', u.uri, `${mirror}.part`], u.uri);
    await rename(`${mirror}.part`, mirror);
  }
  if ((await git(['-C', mirror, 'cat-file', '-e', `${u.ref}^{commit}`], u.uri, true)) !== 0) {
    throw new BuildError('BUILD_UPSTREAM_FETCH_FAILED', `git upstream ${u.uri} has no ref ${u.ref}`, {
      hint: 'check the ref (commit, tag or branch) in the recipe',
      details: { uri: u.uri, ref: u.ref },
    });
  }
  opts.onEvent?.({ type: 'upstream-fetched', uri: u.uri, path: mirror, bytes: 0 });
  return mirror;
}

/** Runs host git; resolves the status when `soft`, else throws on failure. */
export function git(args: string[], uri: string, soft = false): Promise<number> {
  return new Promise((resolve, reject) => {
    let err = '';
    const child = spawn('git', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    child.on('error', (e) =>
      reject(
        new BuildError('BUILD_UPSTREAM_FETCH_FAILED', `cannot run git for ${uri}: ${e.message}`, {
          hint: 'install git',
          details: { uri },
          cause: e,
        }),
      ),
    );
    child.on('close', (status) => {
      if (status === 0 || soft) resolve(status ?? 1);
      else
        reject(
          new BuildError(
            'BUILD_UPSTREAM_FETCH_FAILED',
            `git ${args.join(' ')} failed for ${uri}: ${err.trim()}`,
            {
              hint: 'check the repository URL and that it is reachable',
              details: { uri, args },
            },
          ),
        );
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
