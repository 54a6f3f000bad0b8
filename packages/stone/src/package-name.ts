import type { PackageMeta } from './package-meta.js';

/**
 * A package name: letters, digits and `._+-`, starting with a letter or digit, at most 255
 * characters. Every name of the real repository (1,609 packages) is lower-case letters, digits
 * and `-`; the rule leaves room for `libstdc++` or `python3.12` while keeping out what a name
 * must never carry where it becomes a path (`/`, `..`) or a provider (`name(x)`: parentheses),
 * and what a terminal would act on (control characters, escape sequences).
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

/** What is wrong with one of a package's naming fields. */
export interface NameProblem {
  readonly field: 'name' | 'version' | 'architecture';
  readonly value: string;
  /** Says why, to follow the quoted value: `is ".."`, `contains "/"`. */
  readonly why: string;
}

/**
 * Why a version or architecture cannot be one component of a file name, or undefined: empty,
 * `.` or `..`, a `/`, white space or a control character (C0, DEL, C1: which also keeps escape
 * sequences out of every message that prints it), or longer than a file name may be.
 */
function componentProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value === '.' || value === '..') return `is ${JSON.stringify(value)}`;
  if (value.includes('/')) return 'contains "/"';
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(value)) return 'contains white space or a control character';
  if (value.length > 255) return 'is longer than 255 characters';
  return undefined;
}

/**
 * The one grammar of package names, versions and architectures, wherever they become part of a
 * file name or a line of output: `packageNameProblem` (install, index reading and writing) and
 * `packageDirName` (extract) both ask it. The first field that breaks it, or undefined.
 */
export function nameProblem(
  meta: Pick<PackageMeta, 'name' | 'version' | 'architecture'>,
): NameProblem | undefined {
  if (!NAME.test(meta.name)) {
    return {
      field: 'name',
      value: meta.name,
      why: 'is not letters, digits and ._+- starting with a letter or digit',
    };
  }
  for (const field of ['version', 'architecture'] as const) {
    const why = componentProblem(meta[field]);
    if (why !== undefined) return { field, value: meta[field], why };
  }
  return undefined;
}

/**
 * Why `meta`'s name, version or architecture cannot be trusted to become part of a file name
 * or a line of output, or undefined when they can (see {@link nameProblem}).
 */
export function packageNameProblem(
  meta: Pick<PackageMeta, 'name' | 'version' | 'architecture'>,
): string | undefined {
  const p = nameProblem(meta);
  if (p === undefined) return undefined;
  return p.field === 'name'
    ? `the package name ${JSON.stringify(p.value)} ${p.why}`
    : `the ${p.field} ${JSON.stringify(p.value)} of package ${meta.name} ${p.why}, so it cannot be part of a file name`;
}
