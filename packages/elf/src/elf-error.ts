import { SerpentError } from '@serpent/errors';

export type ElfErrorCode = 'ELF_TRUNCATED' | 'ELF_BAD_HEADER' | 'ELF_BAD_DYNAMIC';

/** A file that starts like an ELF object but whose structures point outside it or make no sense. */
export class ElfError extends SerpentError {
  override readonly name = 'SerpentError';
  constructor(code: ElfErrorCode, message: string, details: Record<string, unknown>) {
    super(code, message, {
      hint: 'the file is not a well-formed ELF object; rebuild it or exclude it from the package',
      details,
    });
  }
}
