import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../src/index.js';

const split = (chunks: Buffer[]) => {
  const lines: string[] = [];
  const s = lineSplitter((l) => lines.push(l.toString('utf8')));
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
};

describe('lineSplitter', () => {
  it('passes on whole lines, a last one without its line break at the end', () => {
    expect(split([Buffer.from('one\ntw'), Buffer.from('o\nthr'), Buffer.from('ee')])).toEqual([
      'one\n',
      'two\n',
      'three',
    ]);
  });

  it('never cuts a UTF-8 character that arrives in two chunks', () => {
    const text = Buffer.from('größer\n');
    expect(split([text.subarray(0, 3), text.subarray(3)])).toEqual(['größer\n']);
  });

  it('passes on a line longer than 64 KiB in pieces instead of holding it', () => {
    const lines: Buffer[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push(Buffer.alloc(64 * 1024 + 10, 'x'));
    expect(lines.map((l) => l.length)).toEqual([64 * 1024]);
    s.end();
    expect(lines.map((l) => l.length)).toEqual([64 * 1024, 10]);
  });
});
