import { describe, expect, it } from 'vitest';
import { escapeControl } from '../src/index.js';

describe('escapeControl (issue 14, C9: terminal injection)', () => {
  it('shows every control character instead of letting the terminal obey it', () => {
    expect(escapeControl('usr/bin/a\nb')).toBe('usr/bin/a\\nb');
    expect(escapeControl('\x1b]0;pwned\x07\x1b[2J')).toBe('\\x1b]0;pwned\\x07\\x1b[2J');
    expect(escapeControl('a\rb\tc\x00d\x7fe\x9bf')).toBe('a\\rb\\tc\\x00d\\x7fe\\x9bf');
    // Bidirectional overrides and isolates reorder what is shown; line separators break lines.
    expect(escapeControl('evil\u202egnp.exe\u2066x\u2069\u2028')).toBe(
      'evil\\u{202e}gnp.exe\\u{2066}x\\u{2069}\\u{2028}',
    );
  });

  it('leaves ordinary text, UTF-8 and colour-free punctuation alone', () => {
    for (const s of ['nano 8.0-1', 'café ２ 😀 → ✓', 'soname(libz.so.1(x86_64))', 'a\\nb']) {
      expect(escapeControl(s)).toBe(s);
    }
  });

  it('keeps line breaks only when asked (multi-line descriptions), escaping the rest', () => {
    expect(escapeControl('one\ntwo\x1b[31m', { keepNewlines: true })).toBe('one\ntwo\\x1b[31m');
    expect(escapeControl('one\r\ntwo', { keepNewlines: true })).toBe('one\\r\ntwo');
    expect(escapeControl('make\tinstall\n', { keepNewlines: true })).toBe('make\tinstall\n');
  });
});
