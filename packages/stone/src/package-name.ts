import type { PackageMeta } from './package-meta.js';

/**
 * A package name: letters, digits and `._+-`, starting with a letter or digit, at most 255
 * characters. Every name of the real repository (1,609 packages) is lower-case letters, digits
 * and `-`; the rule leaves room for `libstdc++` or `python3.12` while keeping out what a name
 * must never carry where it becomes a path (`/`, `..`) or a provider (`name(x)`: parentheses),
 * and what a terminal would act on (control characters, escape sequences).
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

/**
 * Why `meta`'s name, version or architecture cannot be trusted to become part of a file name
 * or a line of output, or undefined when they can. The version and the architecture must each
 * be one file name component: not empty, `.` or `..`, without `/`, white space or a control
 * character (C0, DEL, C1).
 */
export function packageNameProblem(
  meta: Pick<PackageMeta, 'name' | 'version' | 'architecture'>,
): string | undefined {
  if (!NAME.test(meta.name)) {
    return `the package name ${JSON.stringify(meta.name)} is not letters, digits and ._+- starting with a letter or digit`;
  }
  for (const [field, value] of [
    ['version', meta.version],
    ['architecture', meta.architecture],
  ] as const) {
    if (
      value.length === 0 ||
      value.length > 255 ||
      value === '.' ||
      value === '..' ||
      /[/\s\u0000-\u001f\u007f-\u009f]/u.test(value)
    ) {
      return `the ${field} ${JSON.stringify(value)} of package ${meta.name} cannot be part of a file name`;
    }
  }
  return undefined;
}
