import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { moss } from './paths.js';

/**
 * `root`'s live /usr against a full build of the same stones (`moss install --to` into a
 * scratch directory under `work`: a blit, triggers run), entry by entry: the same paths, modes
 * and link texts, and each file the same store asset (inode) or, for a copy, the same bytes.
 * What an in-place change made must be exactly what a full build makes.
 */
export function expectFullBuild(root: string, stones: readonly string[], work: string): void {
  const to = join(work, `to-${Date.now()}`);
  mkdirSync(to);
  const r = moss(['-D', root, 'install', '--to', to, ...stones, '-y']);
  expect(r.status, r.stderr).toBe(0);
  const list = (dir: string, rel = ''): string[] =>
    readdirSync(join(dir, rel)).flatMap((n) => {
      const p = rel === '' ? n : `${rel}/${n}`;
      if (rel === '' && (n === '.stateID' || n === '.moss-tree')) return [];
      return lstatSync(join(dir, p)).isDirectory() ? [p, ...list(dir, p)] : [p];
    });
  const live = join(root, 'usr');
  const full = join(to, 'usr');
  const paths = list(full).sort();
  expect(list(live).sort()).toEqual(paths);
  for (const p of paths) {
    const a = lstatSync(join(live, p));
    const b = lstatSync(join(full, p));
    expect(a.mode, p).toBe(b.mode);
    if (a.isSymbolicLink()) expect(readlinkSync(join(live, p)), p).toBe(readlinkSync(join(full, p)));
    else if (a.isFile() && b.nlink > 1) expect(a.ino, `${p}: the same store asset`).toBe(b.ino);
    else if (a.isFile()) expect(readFileSync(join(live, p))).toEqual(readFileSync(join(full, p)));
  }
  rmSync(to, { recursive: true, force: true });
}
