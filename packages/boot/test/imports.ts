// Tests go through the curated public entry, as users do.

export { hasCode as hasCodeOf } from '@serpent/errors';
export * from '../src/index.js';
