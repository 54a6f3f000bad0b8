import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Joins `relative` onto `base`, reusing any existing component that matches ignoring case
 * (`EFI/Boot` when asked for `EFI/BOOT`). A mounted ESP is vfat and ignores case anyway;
 * an ESP assembled in a plain directory does not, and two spellings would land as two
 * directories in the FAT image.
 */
export function joinCaseInsensitive(base: string, relative: string): string {
  let path = base;
  let exists = true;
  for (const part of relative.split('/').filter((p) => p !== '')) {
    if (exists) {
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch {
        exists = false;
      }
      const lower = part.toLowerCase();
      const match = names.includes(part) ? part : names.find((n) => n.toLowerCase() === lower);
      if (match === undefined) exists = false;
      path = join(path, match ?? part);
    } else {
      path = join(path, part);
    }
  }
  return path;
}
