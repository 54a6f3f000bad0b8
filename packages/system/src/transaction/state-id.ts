import { readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { writeFileAtomicSync } from '@serpent/durable';

/**
 * The bytes of `/usr/.stateID` for state `id`: the decimal digits and nothing else. The
 * original reads the file's whole text as an integer (`parse::<i32>()`), so a trailing newline
 * makes it find no active state at all: it then lists nothing and would build a new `/usr`
 * holding only what it installs next.
 */
export function stateIdText(id: number): string {
  if (!Number.isSafeInteger(id) || id < 1 || id > 0x7fffffff) {
    throw new RangeError(`state id ${id} is not one the original moss can read (1 to 2^31-1)`);
  }
  return String(id);
}

/**
 * The live state's id from `<usr>/.stateID`, or, as the original's legacy fallback, from a
 * `/usr` symlink ending in `<id>/usr`. undefined when the root has no moss state. Digits with
 * trailing white space are read too: our earlier versions wrote `"2\n"`.
 */
export function readStateId(usr: string): number | undefined {
  try {
    const match = /^(\d+)\s*$/.exec(readFileSync(`${usr}/.stateID`, 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // fall through to the legacy layout
  }
  try {
    const target = readlinkSync(usr);
    if (basename(target) === 'usr') {
      const id = basename(dirname(target));
      if (/^\d+$/.test(id)) return Number(id);
    }
  } catch {
    // not a symlink either
  }
  return undefined;
}

/**
 * Rewrites `<usr>/.stateID` in the form the original reads when it holds an id in another form
 * (`"2\n"`, which our earlier versions wrote). Atomic (temporary file, fsync, rename); a missing
 * or unreadable file is left alone. Returns whether it rewrote the file.
 */
export function normalizeStateIdFile(usr: string): boolean {
  const path = `${usr}/.stateID`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const match = /^(\d+)\s*$/.exec(text);
  if (!match || text === match[1]) return false;
  writeFileAtomicSync(path, stateIdText(Number(match[1])));
  return true;
}
