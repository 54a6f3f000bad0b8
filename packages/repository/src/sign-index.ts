import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@serpent/durable';
import { INDEX_NAME } from './index-name.js';
import type { MinisignSecretKey } from './minisign-key.js';
import { formatSignature, parseSignature, signatureTimestamp, signData } from './minisign-signature.js';
import { RepositoryError } from './repository-error.js';

/** The detached signature beside an index: minisign's default name for `stone.index`. */
export const INDEX_SIGNATURE_NAME = `${INDEX_NAME}.minisig`;

/** The URL of an index's signature: the index URL with `.minisig` appended. */
export function signatureUrl(indexUri: string): string {
  const url = new URL(indexUri);
  url.pathname += '.minisig';
  return url.href;
}

/**
 * The trusted comment of an index signature: minisign's own default shape
 * (`timestamp:<unix seconds>\tfile:<name>\thashed`), so `minisign -V` shows it as usual and an
 * index signed by `minisign -Sm stone.index` without `-t` carries the same fields.
 */
export function indexTrustedComment(timestamp: number): string {
  return `timestamp:${timestamp}\tfile:${INDEX_NAME}\thashed`;
}

export interface SignIndexResult {
  readonly path: string;
  readonly keyId: string;
  readonly timestamp: number;
}

/**
 * Signs `dir/stone.index` with `key`, writing `dir/stone.index.minisig` crash-safely. The
 * timestamp is the current time in seconds, but always after the timestamp of the signature it
 * replaces: clients refuse an index older than the one they have seen, so two signings in one
 * second (or a clock that went back) must still move forward.
 */
export async function signIndex(
  dir: string,
  key: MinisignSecretKey,
  options: { now?: Date } = {},
): Promise<SignIndexResult> {
  const indexPath = join(dir, INDEX_NAME);
  const path = join(dir, INDEX_SIGNATURE_NAME);
  let data: Buffer;
  try {
    data = await readFile(indexPath);
  } catch (err) {
    throw new RepositoryError(
      'REPO_IO',
      `cannot sign ${indexPath}: ${(err as Error).message}`,
      { file: indexPath },
      err,
      'write the index first (`moss index DIR`)',
    );
  }
  let timestamp = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const previous = await readFile(path, 'utf8').catch(() => undefined);
  if (previous !== undefined) {
    try {
      const before = signatureTimestamp(parseSignature(previous, path).trustedComment);
      if (before !== undefined && before >= timestamp) timestamp = before + 1;
    } catch {
      // A damaged previous signature is simply replaced.
    }
  }
  const sig = signData(data, key, { trusted: indexTrustedComment(timestamp) });
  await writeFileAtomic(path, formatSignature(sig));
  return { path, keyId: key.id, timestamp };
}
