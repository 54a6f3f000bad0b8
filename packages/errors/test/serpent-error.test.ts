import { describe, expect, it } from 'vitest';
import { hasCode, isSerpentError, SerpentError, UsageError } from '../src/index.ts';

describe('SerpentError', () => {
  it('carries code, hint, details and cause', () => {
    const cause = new Error('disk on fire');
    const err = new SerpentError('STONE_BAD_MAGIC', 'x.stone: not a stone file', {
      hint: 'check the file',
      cause,
      details: { file: 'x.stone', offset: 0 },
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('STONE_BAD_MAGIC');
    expect(err.hint).toBe('check the file');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ file: 'x.stone', offset: 0 });
    expect(Object.isFrozen(err.details)).toBe(true);
    expect(err.toJSON()).toEqual({
      code: 'STONE_BAD_MAGIC',
      message: 'x.stone: not a stone file',
      hint: 'check the file',
      details: { file: 'x.stone', offset: 0 },
    });
  });

  it('is recognised across copies by name and code', () => {
    const foreign = Object.assign(new Error('m'), { name: 'SerpentError', code: 'X' });
    expect(isSerpentError(foreign)).toBe(true);
    expect(isSerpentError(new Error('plain'))).toBe(false);
    expect(hasCode(new UsageError('bad flag'), 'USAGE')).toBe(true);
    expect(hasCode(new UsageError('bad flag'), 'OTHER')).toBe(false);
  });
});
