import { SerpentError } from '@serpent/errors';

/** Stable codes of every way a pattern can be malformed. Published codes are never reused. */
export type FnmatchErrorCode =
  | 'FNMATCH_MALFORMED_GROUP'
  | 'FNMATCH_BAD_GROUP_NAME'
  | 'FNMATCH_DUPLICATE_GROUP'
  | 'FNMATCH_UNBALANCED_PAREN'
  | 'FNMATCH_UNCLOSED_CLASS'
  | 'FNMATCH_BAD_RANGE'
  | 'FNMATCH_TRAILING_BACKSLASH';

const HINTS: Record<FnmatchErrorCode, string> = {
  FNMATCH_MALFORMED_GROUP:
    'write a capture as (name:glob), with exactly one ":" and a closing ")"; groups do not nest',
  FNMATCH_BAD_GROUP_NAME: 'a capture name is a letter or "_" followed by letters, digits or "_"',
  FNMATCH_DUPLICATE_GROUP: 'give every capture in one pattern its own name',
  FNMATCH_UNBALANCED_PAREN: 'write a literal ")" as "\\)"',
  FNMATCH_UNCLOSED_CLASS: 'close the character class with "]", or write a literal "[" as "\\["',
  FNMATCH_BAD_RANGE: 'write a range low-high, e.g. [0-9]',
  FNMATCH_TRAILING_BACKSLASH: 'a "\\" escapes the next character; write a literal backslash as "\\\\"',
};

/** A malformed pattern: names the pattern and the character offset where reading stopped. */
export class FnmatchError extends SerpentError {
  override readonly name = 'SerpentError';
  override readonly code: FnmatchErrorCode;
  constructor(code: FnmatchErrorCode, pattern: string, offset: number, message: string) {
    super(code, `pattern ${JSON.stringify(pattern)} at offset ${offset}: ${message}`, {
      hint: HINTS[code],
      details: { pattern, offset },
    });
    this.code = code;
  }
}
