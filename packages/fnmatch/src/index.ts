export { compilePattern, type Pattern, type PatternMatch } from './compile-pattern.js';
export { FnmatchError, type FnmatchErrorCode } from './fnmatch-error.js';
