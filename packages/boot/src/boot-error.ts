import { SerpentError } from '@serpent/errors';

/**
 * Stable codes of every failure @serpent/boot reports. Published codes are never reused.
 * Every error names the path (file, directory or device) it is about in `details`.
 */
export type BootErrorCode =
  | 'BOOT_IO'
  | 'BOOT_INVALID_INPUT'
  | 'BOOT_BAD_OS_RELEASE'
  | 'BOOT_BAD_EFI_VARIABLE'
  | 'BOOT_NO_ESP'
  | 'BOOT_ESP_NOT_MOUNTED'
  | 'BOOT_NO_BOOT_DIR'
  | 'BOOT_ROOT_UNKNOWN'
  | 'BOOT_NO_KERNEL';

const HINTS: Partial<Record<BootErrorCode, string>> = {
  BOOT_BAD_OS_RELEASE: 'the state needs a /usr/lib/os-release with NAME= and ID= lines',
  BOOT_NO_ESP:
    'no EFI System Partition was found: create one (GPT type c12a7328-f81f-11d2-ba4b-00a0c93ec93b) or name the directory to use with bootDir',
  BOOT_ESP_NOT_MOUNTED: 'mount the EFI System Partition (at /efi or /boot) and run the sync again',
  BOOT_NO_BOOT_DIR:
    'an image is never given the host ESP: name the directory that holds the image ESP (bootDir / --boot-dir)',
  BOOT_ROOT_UNKNOWN: 'pass the root= argument explicitly (rootArgument), e.g. root=PARTUUID=<uuid>',
  BOOT_NO_KERNEL: 'install a kernel package into the state, or remove the state from the list',
};

export class BootError extends SerpentError {
  override readonly code: BootErrorCode;
  constructor(
    code: BootErrorCode,
    path: string,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    const hint = HINTS[code];
    super(code, `${path}: ${message}`, {
      ...(hint === undefined ? {} : { hint }),
      details: { path, ...details },
      ...(cause === undefined ? {} : { cause }),
    });
    this.code = code;
  }
}

/** Wraps a Node fs error with the path it concerns; passes BootErrors through unchanged. */
export function ioError(path: string, action: string, cause: unknown): BootError {
  if (cause instanceof BootError) return cause;
  const errno = (cause as { code?: unknown }).code;
  return new BootError(
    'BOOT_IO',
    path,
    `${action} failed${typeof errno === 'string' ? ` (${errno})` : ''}`,
    typeof errno === 'string' ? { errno } : {},
    cause,
  );
}
