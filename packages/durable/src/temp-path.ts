import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * A temporary sibling of `path`: same directory (so the rename is atomic, never a copy across
 * filesystems), hidden, and unique per process and call (two writers of one file never share
 * a temporary file).
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}
