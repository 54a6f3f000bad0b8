/**
 * Characters a terminal acts on instead of showing: C0 controls (newline, carriage return,
 * ESC of an escape sequence, backspace, bell ...), DEL, C1 controls (0x9b is a one-byte CSI on
 * some terminals), the Unicode line and paragraph separators, and the bidirectional overrides
 * and isolates that reorder what is shown ("Trojan Source").
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const CONTROL_KEEP_LAYOUT =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Makes a string that came from outside (a package name, a file name from a stone, a summary
 * from an index, a trigger's output) safe to print on a terminal: every control character is
 * written as a visible escape (`\n`, `\x1b`, `\u{202e}`), so a hostile name can neither start a
 * new line that looks like moss's own output nor send escape sequences to the terminal. With
 * `keepNewlines`, `\n` stays a line break and a tab a tab (descriptions, command output, a
 * recipe's scripts: layout, which moves the cursor only forward); everything else is still
 * escaped. JSON output needs nothing: `JSON.stringify` escapes control characters itself.
 */
export function escapeControl(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? CONTROL_KEEP_LAYOUT : CONTROL, visible);
}
