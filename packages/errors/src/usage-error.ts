import { SerpentError } from './serpent-error.js';

/**
 * A mistake in how a tool was called (unknown flag, missing argument). Kept apart from
 * SerpentError's other codes so the tools print usage help for it and exit with status 2.
 */
export class UsageError extends SerpentError {
  override readonly name = 'SerpentError';
  constructor(message: string, hint?: string) {
    super('USAGE', message, hint === undefined ? {} : { hint });
  }
}
