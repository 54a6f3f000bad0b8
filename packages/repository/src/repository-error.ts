import { SerpentError } from '@serpent/errors';

/**
 * Stable codes of every failure this package reports. Published codes are never reused.
 * Each error names the file, repository, package or URL it is about in `details`.
 */
export type RepositoryErrorCode =
  | 'REPO_IO'
  | 'REPO_INDEX_DUPLICATE_RELEASE'
  | 'REPO_INDEX_INVALID'
  | 'REPO_CONFIG_INVALID'
  | 'REPO_BAD_ID'
  | 'REPO_BAD_URI'
  | 'REPO_NOT_FOUND'
  | 'REPO_VENDOR_CONFIG'
  | 'REPO_FETCH_FAILED'
  | 'REPO_HASH_MISMATCH'
  | 'REPO_SIZE_MISMATCH'
  | 'REPO_INDEX_TOO_LARGE'
  | 'REPO_ABORTED'
  | 'REPO_KEY_INVALID'
  | 'REPO_KEY_ENCRYPTED'
  | 'REPO_KEY_EXISTS'
  | 'REPO_SIGNATURE_MISSING'
  | 'REPO_SIGNATURE_INVALID'
  | 'REPO_SIGNATURE_UNTRUSTED'
  | 'REPO_SIGNATURE_MISMATCH'
  | 'REPO_SIGNATURE_NO_TIMESTAMP'
  | 'REPO_INDEX_REPLAYED';

const HINTS: Partial<Record<RepositoryErrorCode, string>> = {
  REPO_INDEX_DUPLICATE_RELEASE:
    'two stones of one package carry the same release; remove one or bump the release of the newer build',
  REPO_INDEX_INVALID: 'the index is damaged or not a repository index; run `moss repo update` or rebuild it',
  REPO_CONFIG_INVALID: 'fix or remove the named YAML file',
  REPO_BAD_ID: 'use letters, digits and `-` in repository names',
  REPO_BAD_URI: 'give a file://, http:// or https:// URI of a stone.index',
  REPO_NOT_FOUND: 'see `moss repo list` for the configured repositories',
  REPO_VENDOR_CONFIG:
    'the repository comes from a vendor file under usr/share; disable it with `moss repo disable` instead',
  REPO_FETCH_FAILED: 'check the network and the repository URI, then retry',
  REPO_HASH_MISMATCH:
    'the download is not what the repository index promises; run `moss repo update` and retry, or report it to the repository owner',
  REPO_SIZE_MISMATCH:
    'the download is not what the repository index promises; run `moss repo update` and retry',
  REPO_INDEX_TOO_LARGE:
    'check the repository URI; if the repository really publishes an index this large, raise the limit (`moss --max-index-size SIZE`)',
  REPO_KEY_INVALID: 'give the base64 line of a minisign public key (RW…), or the path of its .pub file',
  REPO_SIGNATURE_MISSING:
    'the repository is configured with trusted keys but publishes no stone.index.minisig; the last good index is kept. Ask its owner to sign it (`moss index DIR --sign KEY`)',
  REPO_SIGNATURE_INVALID:
    'the signature file is damaged; the last good index is kept. Retry later or report it to the repository owner',
  REPO_SIGNATURE_UNTRUSTED:
    'the index is signed by a key this system does not trust; the last good index is kept. If the owner rotated keys, add the new public key (`moss repo add NAME URI --key OLD --key NEW`)',
  REPO_SIGNATURE_MISMATCH:
    'the index is not what its key signed (tampered with on the way, or a mirror out of step); the last good index is kept. Retry later or report it to the repository owner',
  REPO_SIGNATURE_NO_TIMESTAMP:
    "without a signed timestamp an older index could be replayed; sign with `moss index DIR --sign KEY` or minisign's default trusted comment",
  REPO_INDEX_REPLAYED:
    'someone served an older signed index than the one already seen (a replay or downgrade); the last good index is kept. Retry later or use another mirror',
};

export class RepositoryError extends SerpentError {
  override readonly code: RepositoryErrorCode;
  constructor(
    code: RepositoryErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
    hint: string | undefined = HINTS[code],
  ) {
    super(code, message, {
      ...(hint === undefined ? {} : { hint }),
      details,
      ...(cause === undefined ? {} : { cause }),
    });
    this.code = code;
  }
}
