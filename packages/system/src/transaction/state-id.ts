import { readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * The live state's id from `<usr>/.stateID`, or, as the original's legacy fallback, from a
 * `/usr` symlink ending in `<id>/usr`. undefined when the root has no moss state.
 */
export function readStateId(usr: string): number | undefined {
  try {
    const text = readFileSync(`${usr}/.stateID`, 'utf8').trim();
    if (/^\d+$/.test(text)) return Number(text);
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
