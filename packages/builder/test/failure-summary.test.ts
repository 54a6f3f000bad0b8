import { describe, expect, it } from 'vitest';
import { summarizeFailure } from '../src/index.ts';

describe('summarizeFailure', () => {
  it('picks the compiler error out of a long log and says what to do', () => {
    const noise = Array.from({ length: 2000 }, (_, i) => `gcc -c -O2 file${i}.c -o file${i}.o`);
    const log = [
      ...noise,
      'foo.c:3:10: fatal error: zlib.h: No such file or directory',
      'compilation terminated.',
      'make[1]: *** [Makefile:12: foo.o] Error 1',
      ...noise.slice(0, 50),
    ].join('\n');
    const s = summarizeFailure(log);
    expect(s.lines).toContain('foo.c:3:10: fatal error: zlib.h: No such file or directory');
    expect(s.lines.length).toBeLessThanOrEqual(12);
    expect(s.hint).toMatch(/header is missing/);
  });

  it('recognises a missing tool and ignores the shell trace', () => {
    const s = summarizeFailure('+ meson setup build\n/mason/scripts/x.sh: 3: meson: not found\n');
    expect(s.lines).toEqual(['/mason/scripts/x.sh: 3: meson: not found']);
    expect(s.hint).toMatch(/builddeps/);
  });

  it('falls back to the last lines when nothing looks like an error', () => {
    expect(summarizeFailure('a\nb\nc\n').lines).toEqual(['a', 'b', 'c']);
  });
});
