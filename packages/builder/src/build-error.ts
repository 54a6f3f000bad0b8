import { SerpentError } from '@serpent/errors';

export type BuildErrorCode =
  | 'BUILD_UPSTREAM_HASH_MISMATCH'
  | 'BUILD_UPSTREAM_FETCH_FAILED'
  | 'BUILD_UPSTREAM_UNSUPPORTED'
  | 'BUILD_PHASE_FAILED'
  | 'BUILD_NO_TARGETS'
  | 'BUILD_OUTPUT_MISSING'
  | 'BUILD_PROFILE_UNKNOWN'
  | 'BUILD_PROFILE_INVALID'
  | 'BUILD_PROFILE_NOT_SAVED'
  | 'BUILD_ROOT_UNAVAILABLE'
  | 'BUILD_ROOT_INVALID'
  | 'BUILD_STOPPED_AT_BREAKPOINT'
  | 'BUILD_PGO_NO_PROFILE'
  | 'BUILD_DRAFT_FAILED';

export class BuildError extends SerpentError {
  override readonly name = 'SerpentError';
  constructor(
    code: BuildErrorCode,
    message: string,
    options: { hint: string; details: Record<string, unknown>; cause?: unknown },
  ) {
    super(code, message, options);
  }
}
