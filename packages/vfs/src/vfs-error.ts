import { SerpentError } from '@serpent/errors';

/**
 * Stable codes of every failure @serpent/vfs reports. Published codes are never reused.
 * Every error names the path (relative to `/usr`) and, for conflicts, both packages.
 */
export type VfsErrorCode =
  /** Two packages ship different things at one path (file/file, file/dir, symlink/dir ...). */
  | 'VFS_CONFLICT'
  /** A layout path is absolute, has `.`/`..`/empty components, or resolves outside the root. */
  | 'VFS_UNSAFE_PATH'
  /** Following the tree's symlinks to place an entry loops. */
  | 'VFS_SYMLINK_CYCLE'
  /** Device nodes, fifos and sockets cannot be shipped in a /usr tree. */
  | 'VFS_UNSUPPORTED_TYPE'
  /** The blit target exists and is not an empty directory. */
  | 'VFS_TARGET_NOT_EMPTY'
  /** The store has no asset for a regular file's hash. */
  | 'VFS_MISSING_ASSET'
  /** A system call of the blit failed (EXDEV, ENOSPC, EACCES ...). */
  | 'VFS_IO'
  /** buildTree was promised files last (`filesLast`) and got a directory or symlink after one. */
  | 'VFS_INPUT_ORDER';

const HINTS: Record<VfsErrorCode, string> = {
  VFS_CONFLICT: 'the two packages cannot be installed together; remove one of them or fix the packaging',
  VFS_UNSAFE_PATH: 'the package is broken or hostile; do not install it and report it to its maintainer',
  VFS_SYMLINK_CYCLE: 'the symlinks shipped by these packages point at each other; fix the packaging',
  VFS_UNSUPPORTED_TYPE:
    'create device nodes, fifos and sockets at run time (udev, tmpfiles), not in packages',
  VFS_TARGET_NOT_EMPTY: 'blit into a fresh directory; remove the old staging tree first',
  VFS_MISSING_ASSET: 'the content store is incomplete; fetch the package again (or run a store verify)',
  VFS_INPUT_ORDER:
    'a bug in the caller: give every directory and symlink before the first file, or drop filesLast',
  VFS_IO: 'check free space, permissions, and that the store and the target are on one filesystem',
};

export class VfsError extends SerpentError {
  override readonly code: VfsErrorCode;
  /** `hint` replaces the code's general hint where the caller knows better what to do. */
  constructor(
    code: VfsErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
    hint?: string,
  ) {
    super(code, message, { hint: hint ?? HINTS[code], details, ...(cause === undefined ? {} : { cause }) });
    this.code = code;
  }
}
