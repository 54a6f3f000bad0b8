import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootError, ioError } from './boot-error.js';

/** Vendor GUID of the Boot Loader Interface variables (systemd's LoaderInfo etc.). */
export const LOADER_VENDOR_GUID = '4a67b082-0a4c-41cf-b6c7-440b29bb8c4f';

/**
 * Decodes an efivarfs file holding a UTF-16LE string: 4 bytes of attributes, then the
 * string, usually NUL-terminated (the terminator is optional here).
 */
export function decodeEfiString(bytes: Uint8Array, path = 'efivar'): string {
  if (bytes.length < 4 || (bytes.length - 4) % 2 !== 0) {
    throw new BootError(
      'BOOT_BAD_EFI_VARIABLE',
      path,
      `expected 4 attribute bytes and UTF-16 text, got ${bytes.length} bytes`,
    );
  }
  let text = Buffer.from(bytes.buffer, bytes.byteOffset + 4, bytes.length - 4).toString('utf16le');
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  return text;
}

/**
 * Reads a Boot Loader Interface string variable from `<sysRoot>/sys/firmware/efi/efivars`.
 * Undefined when the variable does not exist (no systemd-boot, or BIOS).
 */
export function readLoaderVariable(sysRoot: string, name: string): string | undefined {
  const path = join(sysRoot, 'sys/firmware/efi/efivars', `${name}-${LOADER_VENDOR_GUID}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, 'reading an EFI variable', error);
  }
  return decodeEfiString(bytes, path);
}
