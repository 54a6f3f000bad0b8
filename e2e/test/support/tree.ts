import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry under `dir`, sorted by path: `path type mode target-or-SHA-256`, the things two
 * trees must share to be the same `/usr` (inode numbers, times and link counts differ by
 * nature). `skip` leaves out top-level names (`.stateID`, the root's own bookkeeping).
 */
export function treeEntries(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      if (rel === '' && skip.includes(name)) continue;
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, path));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${path} symlink ${mode} ${readlinkSync(join(dir, path))}`);
      else if (st.isDirectory()) {
        out.push(`${path} dir ${mode}`);
        walk(path);
      } else if (st.isFile()) {
        const hash = createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex');
        out.push(`${path} file ${mode} ${hash}`);
      } else out.push(`${path} other ${mode}`);
    }
  };
  walk('');
  return out;
}
