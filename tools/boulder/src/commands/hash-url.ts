import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SerpentError } from '@serpent/errors';

/** SHA-256 (hex) of what a `file://`, `http://` or `https://` URL serves, streamed, not kept. */
export async function sha256OfUrl(url: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    if (url.startsWith('file://')) {
      for await (const chunk of createReadStream(fileURLToPath(url))) hash.update(chunk as Buffer);
    } else {
      const res = await fetch(url);
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      for await (const chunk of res.body) hash.update(chunk);
    }
  } catch (cause) {
    throw new SerpentError(
      'RECIPE_UPSTREAM_FETCH_FAILED',
      `cannot download ${url}: ${(cause as Error).message}`,
      {
        hint: 'check the URL (file://, http:// or https://) and the network',
        details: { url },
        cause,
      },
    );
  }
  return hash.digest('hex');
}
