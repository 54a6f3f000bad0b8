import { download, FetchError, hashUrl } from '@serpent/fetch';
import { BuildError } from './build-error.js';

/**
 * Streams what a `file://`, `http://` or `https://` URL serves through the one downloader
 * (`@serpent/fetch`: retries, idle timeout, resume, `.part` then rename), hashing it on the
 * way: into `dest` or, without `dest`, nowhere (`recipe update` only needs the hash). The
 * download seam of the drafter and `recipe update`; failures are the build's errors.
 */
export async function downloadFile(url: string, dest?: string): Promise<{ sha256: string; bytes: number }> {
  try {
    if (dest === undefined) return await hashUrl(url);
    const { sha256, bytes } = await download(url, dest);
    return { sha256, bytes };
  } catch (e) {
    throw upstreamError(e, url);
  }
}

/** A failed download as the build's error, naming the upstream. */
export function upstreamError(e: unknown, uri: string, want?: string): unknown {
  if (!(e instanceof FetchError)) return e;
  if (e.code === 'FETCH_BAD_URL') {
    return new BuildError(
      'BUILD_UPSTREAM_UNSUPPORTED',
      `upstream ${uri}: only http(s)://, file:// and git| are supported`,
      {
        hint: 'use an http(s):// or file:// URL, or git|<url> for a repository',
        details: { uri },
      },
    );
  }
  if (e.code === 'FETCH_HASH_MISMATCH') {
    const actual = (e.details as { actual?: string }).actual;
    return new BuildError(
      'BUILD_UPSTREAM_HASH_MISMATCH',
      `hash mismatch for ${uri}: expected ${want ?? '?'}, got ${actual}`,
      {
        hint: 'the download is not what the recipe pins: check the URL, or update the hash if the new file is trusted',
        details: { uri, expected: want, actual },
      },
    );
  }
  const reason = (e.details as { reason?: string }).reason ?? e.message;
  return new BuildError('BUILD_UPSTREAM_FETCH_FAILED', `cannot fetch ${uri}: ${reason}`, {
    hint: 'check the URL, the network, or that the file:// path exists',
    details: {
      uri,
      ...((e.details as { status?: number }).status
        ? { status: (e.details as { status?: number }).status }
        : {}),
    },
    cause: e.cause ?? e,
  });
}
