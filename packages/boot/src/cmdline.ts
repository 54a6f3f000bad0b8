import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ioError } from './boot-error.js';

/** One `*.cmdline` drop-in after masking: its file name and its parsed text. */
export interface CmdlineSnippet {
  readonly name: string;
  readonly text: string;
  /** The file it was read from. */
  readonly path: string;
}

/**
 * Parses a command-line snippet: one or more lines, `#` comment lines dropped, the rest
 * trimmed and joined by one space. Blank lines are dropped too (blsforme kept them and
 * produced double spaces).
 */
export function parseCmdlineSnippet(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .join(' ');
}

/**
 * Reads `*.cmdline` drop-ins from several directories, lowest priority first (the state's
 * `/usr/lib/kernel/cmdline.d`, then the system's `/etc/kernel/cmdline.d`), merged the
 * systemd way: a later directory's file replaces a same-named earlier one, a symlink to
 * `/dev/null` masks the name, and the result is sorted by file name, so the command line is
 * the same on every run and every filesystem (blsforme used directory order).
 * Missing directories are empty; other files (`README`, `*.conf~`) are ignored.
 */
export function readCmdlineSnippets(dirs: readonly string[]): CmdlineSnippet[] {
  const byName = new Map<string, CmdlineSnippet | null>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw ioError(dir, 'reading the cmdline.d directory', error);
    }
    for (const name of names) {
      if (!name.endsWith('.cmdline')) continue;
      const path = join(dir, name);
      if (isDevNullLink(path)) {
        byName.set(name, null);
        continue;
      }
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EISDIR') continue;
        throw ioError(path, 'reading a command-line snippet', error);
      }
      byName.set(name, { name, text: parseCmdlineSnippet(text), path });
    }
  }
  return [...byName.values()]
    .filter((s): s is CmdlineSnippet => s !== null && s.text !== '')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isDevNullLink(path: string): boolean {
  try {
    return readlinkSync(path) === '/dev/null';
  } catch {
    return false;
  }
}
