import { VfsError } from './vfs-error.js';

/**
 * Splits a layout target (relative to `/usr`) into components, refusing anything that is not
 * a plain relative path: absolute paths (upstream joins them outside `/usr`), `..` and `.`
 * components, empty components (`a//b`, trailing `/`, which upstream turns into a hard
 * `MissingParent` error or a silent duplicate) and NUL bytes.
 */
export function splitLayoutPath(target: string, pkg: string): string[] {
  const fail = (why: string): never => {
    throw new VfsError('VFS_UNSAFE_PATH', `${pkg}: layout path ${JSON.stringify(target)} ${why}`, {
      path: target,
      package: pkg,
    });
  };
  if (target.length === 0) fail('is empty');
  if (target.startsWith('/')) fail('is absolute (layout paths are relative to /usr)');
  if (target.includes('\0')) fail('contains a NUL byte');
  const parts = target.split('/');
  for (const p of parts) {
    if (p === '') fail('has an empty component');
    if (p === '..') fail('contains ".."');
    if (p === '.') fail('contains "."');
  }
  return parts;
}
