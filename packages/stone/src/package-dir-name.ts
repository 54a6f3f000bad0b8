import type { PackageMeta } from './package-meta.js';
import { nameProblem } from './package-name.js';
import { StoneError } from './stone-error.js';

/**
 * The directory name a package is extracted to, `<name>-<version>-<release>.<arch>`, from
 * metadata that a hostile stone controls: each part must follow the one name grammar
 * (`nameProblem`, the same rule install and the index apply), so the result is always a single
 * component under the directory it is joined to. A name with `..`, `/` or a control character
 * throws STONE_UNSAFE_NAME naming the field.
 */
export function packageDirName(meta: PackageMeta, file = '<package>'): string {
  const p = nameProblem(meta);
  if (p !== undefined) {
    throw new StoneError(
      'STONE_UNSAFE_NAME',
      file,
      `the package's ${p.field} ${JSON.stringify(p.value)} ${p.why}, so it cannot become a directory name`,
      { field: p.field, value: p.value },
    );
  }
  return `${meta.name}-${meta.version}-${meta.release}.${meta.architecture}`;
}
