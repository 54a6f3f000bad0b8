import { SerpentError } from '@serpent/errors';

/**
 * Stable codes of every failure the codec reports. Published codes are never reused.
 * Every error names the file and, where it applies, the byte offset, payload or record.
 */
export type StoneErrorCode =
  | 'STONE_IO'
  | 'STONE_TRUNCATED'
  | 'STONE_BAD_MAGIC'
  | 'STONE_BAD_VERSION'
  | 'STONE_CORRUPT_HEADER'
  | 'STONE_BAD_FILE_TYPE'
  | 'STONE_BAD_PAYLOAD_KIND'
  | 'STONE_BAD_COMPRESSION'
  | 'STONE_CHECKSUM_MISMATCH'
  | 'STONE_DECOMPRESS_FAILED'
  | 'STONE_SIZE_MISMATCH'
  | 'STONE_TOO_LARGE'
  | 'STONE_BAD_RECORD'
  | 'STONE_BAD_UTF8'
  | 'STONE_TRAILING_BYTES'
  | 'STONE_INDEX_BOUNDS'
  | 'STONE_CONTENT_HASH_MISMATCH'
  | 'STONE_MISSING_CONTENT'
  | 'STONE_INVALID_INPUT'
  /** A zstd frame declares a decoding window over the reader's `maxZstdWindow`. */
  | 'STONE_WINDOW_TOO_LARGE'
  /** A repository index or build manifest where a package was needed, or the other way round. */
  | 'STONE_WRONG_FILE_TYPE'
  /** A name from the metadata cannot become a file name (a `/`, `..`, a control character). */
  | 'STONE_UNSAFE_NAME'
  /** Writing needs zstd in node:zlib (Node 22.15 or newer). */
  | 'STONE_UNSUPPORTED_RUNTIME';

const HINTS: Partial<Record<StoneErrorCode, string>> = {
  STONE_BAD_MAGIC: 'the file is not a .stone package; check that you named the right file',
  STONE_TRUNCATED: 'the file is cut short; download or copy it again',
  STONE_CHECKSUM_MISMATCH: 'the file is damaged; download or copy it again',
  STONE_CONTENT_HASH_MISMATCH: 'the package content is damaged; download or rebuild it',
  STONE_DECOMPRESS_FAILED: 'the file is damaged; download or copy it again',
  STONE_UNSUPPORTED_RUNTIME: 'run it with Node 22.15 or newer (reading stones works on older Node too)',
  STONE_BAD_VERSION: 'this stone was written by a newer or unknown tool; this codec reads format version 1',
  STONE_TOO_LARGE:
    'the file is damaged or hostile: no real package comes near this size; if you trust it, open it with higher limits (maxRecordPayloadSize, maxRecordMemory)',
  STONE_WINDOW_TOO_LARGE:
    'the file is damaged or hostile, or a genuine package over the limit; if you trust it, open it with a higher maxZstdWindow',
  STONE_TRAILING_BYTES: 'the file is damaged or was tampered with; download or copy it again',
  STONE_UNSAFE_NAME: 'the package is broken or hostile; do not install it and report it to its maintainer',
  STONE_WRONG_FILE_TYPE: 'give a binary package (*.stone); an index or a manifest can be inspected instead',
};

export class StoneError extends SerpentError {
  override readonly code: StoneErrorCode;
  constructor(
    code: StoneErrorCode,
    file: string,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    const hint = HINTS[code];
    super(code, `${file}: ${message}`, {
      ...(hint === undefined ? {} : { hint }),
      details: { file, ...details },
      ...(cause === undefined ? {} : { cause }),
    });
    this.code = code;
  }
}
