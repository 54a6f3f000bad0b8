import type { PackageMeta } from './package-meta.js';
import { StoneError } from './stone-error.js';

/**
 * Why `value` cannot be one component of a file name, or undefined when it can: empty, `.` or
 * `..`, a `/`, a NUL or another control character (C0, DEL, C1), which also keeps escape
 * sequences out of every message that prints the name.
 */
function unsafeComponent(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value === '.' || value === '..') return `is ${JSON.stringify(value)}`;
  if (value.includes('/')) return 'contains "/"';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'contains a control character';
  return undefined;
}

/**
 * The directory name a package is extracted to, `<name>-<version>-<release>.<arch>`, from
 * metadata that a hostile stone controls: each part must be usable as (part of) one file name,
 * so the result is always a single component under the directory it is joined to. A name with
 * `..`, `/` or a control character throws STONE_UNSAFE_NAME naming the field.
 */
export function packageDirName(meta: PackageMeta, file = '<package>'): string {
  const parts: [string, string][] = [
    ['name', meta.name],
    ['version', meta.version],
    ['architecture', meta.architecture],
  ];
  for (const [field, value] of parts) {
    const why = unsafeComponent(value);
    if (why !== undefined) {
      throw new StoneError(
        'STONE_UNSAFE_NAME',
        file,
        `the package's ${field} ${JSON.stringify(value)} ${why}, so it cannot become a directory name`,
        { field, value },
      );
    }
  }
  return `${meta.name}-${meta.version}-${meta.release}.${meta.architecture}`;
}
