import { SerpentError } from '@serpent/errors';

/** Stable codes of every resolution failure. Published codes are never reused. */
export type ResolveErrorCode =
  | 'RESOLVE_BAD_REQUEST'
  | 'RESOLVE_NOT_FOUND'
  | 'RESOLVE_NOT_INSTALLED'
  | 'RESOLVE_MISSING_PROVIDER'
  | 'RESOLVE_CONFLICT'
  | 'RESOLVE_BREAKS_INSTALLED';

const HINTS: Record<ResolveErrorCode, string> = {
  RESOLVE_BAD_REQUEST: "write a package name, or a provider as kind(name), e.g. 'binary(nano)'",
  RESOLVE_NOT_FOUND:
    'check the spelling, search the repositories (moss search), or refresh them (moss repo update)',
  RESOLVE_NOT_INSTALLED: 'list what is installed with moss list installed',
  RESOLVE_MISSING_PROVIDER:
    'a repository is missing a package or is out of date: refresh the repositories (moss repo update) or enable the one that has it',
  RESOLVE_CONFLICT: 'remove one of the two packages first, or install the other one instead',
  RESOLVE_BREAKS_INSTALLED:
    'bring the whole system to the repositories first (moss sync), then install again',
};

/** A resolution failure that explains itself: what is missing or clashing, and who needs it. */
export class ResolveError extends SerpentError {
  override readonly code: ResolveErrorCode;
  constructor(code: ResolveErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { hint: HINTS[code], details });
    this.code = code;
  }
}
