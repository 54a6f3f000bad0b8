export { hasCode, isSerpentError, SerpentError } from './serpent-error.js';
export { UsageError } from './usage-error.js';
