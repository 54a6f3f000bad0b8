import { type MinisignPublicKey, parsePublicKey } from './minisign-key.js';
import { checkSignature, type MinisignSignature, signatureTimestamp } from './minisign-signature.js';
import { RepositoryError } from './repository-error.js';

/** What a verified index signature says. */
export interface VerifiedSignature {
  /** The id of the trusted key that made it, as minisign prints it. */
  readonly keyId: string;
  /** Signing time (unix seconds) from the trusted comment. */
  readonly timestamp: number;
  readonly trustedComment: string;
}

const when = (t: number) => new Date(t * 1000).toISOString();

/** Parses a repository's configured keys (base64 lines), naming the repository in errors. */
export function trustedKeysOf(repo: {
  readonly id: string;
  readonly keys?: readonly string[] | undefined;
}): MinisignPublicKey[] {
  return (repo.keys ?? []).map((k) => parsePublicKey(k, `trusted key of ${repo.id}`));
}

/**
 * Checks an index's bytes against its parsed signature and a repository's trusted keys, in the
 * order that says the most: the key (one of ours?), the index bytes (tampered?), the trusted
 * comment (altered?), its timestamp (present? not older than `notBefore`, the newest already
 * accepted). Pure; throws a RepositoryError naming the repository, the URL and the key.
 */
export function verifyIndexSignature(
  data: Uint8Array,
  sig: MinisignSignature,
  context: {
    readonly repo: string;
    readonly url: string;
    readonly keys: readonly MinisignPublicKey[];
    readonly notBefore?: number | undefined;
  },
): VerifiedSignature {
  const { repo, url, keys } = context;
  const trusted = keys.map((k) => k.id);
  const details = { repo, url, keyId: sig.keyId, trustedKeys: trusted };
  const check = checkSignature(data, sig, keys);
  if (!check.ok) {
    if (check.problem === 'untrusted-key') {
      throw new RepositoryError(
        'REPO_SIGNATURE_UNTRUSTED',
        `the index of ${repo} (${url}) is signed by key ${sig.keyId}, which is not a trusted key of ${repo} (trusted: ${trusted.join(', ')})`,
        details,
      );
    }
    throw new RepositoryError(
      'REPO_SIGNATURE_MISMATCH',
      check.problem === 'data-mismatch'
        ? `the index of ${repo} (${url}) does not match its signature by key ${check.keyId}: it was changed after it was signed`
        : `the signature of ${repo}'s index (${url}) carries a trusted comment that key ${check.keyId} did not sign`,
      { ...details, problem: check.problem },
    );
  }
  const timestamp = signatureTimestamp(check.trustedComment);
  if (timestamp === undefined) {
    throw new RepositoryError(
      'REPO_SIGNATURE_NO_TIMESTAMP',
      `the signature of ${repo}'s index (${url}) by key ${sig.keyId} has no timestamp in its trusted comment (${JSON.stringify(check.trustedComment)})`,
      { ...details, trustedComment: check.trustedComment },
    );
  }
  if (context.notBefore !== undefined && timestamp < context.notBefore) {
    throw new RepositoryError(
      'REPO_INDEX_REPLAYED',
      `the index of ${repo} (${url}) was signed by key ${sig.keyId} at ${when(timestamp)}, before the index already in use (signed at ${when(context.notBefore)}): an older index was replayed`,
      { ...details, signedAt: timestamp, lastSeen: context.notBefore },
    );
  }
  return { keyId: check.key.id, timestamp, trustedComment: check.trustedComment };
}
