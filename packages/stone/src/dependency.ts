import { DEPENDENCY_KINDS, type DependencyKind } from './constants.js';

/** A dependency, provider or conflict: what kind of thing, and its name. */
export interface Dependency {
  readonly kind: DependencyKind;
  readonly name: string;
}

/** `kind(name)`, the textual form used everywhere (CLI, recipes, manifests, sorting). */
export function formatDependency(dep: Dependency): string {
  return `${dep.kind}(${dep.name})`;
}

/**
 * Parses the textual form. A string without `(` is a `name` dependency on the whole string;
 * otherwise the part before the first `(` must be a known kind and the rest must end in `)`
 * (names may contain parentheses themselves: `soname(libc.so.6(x86_64))`).
 * Returns undefined for a string that is neither.
 */
export function parseDependency(text: string): Dependency | undefined {
  const open = text.indexOf('(');
  if (open < 0) return text.length > 0 ? { kind: 'name', name: text } : undefined;
  const kind = text.slice(0, open);
  if (!(DEPENDENCY_KINDS as readonly string[]).includes(kind) || !text.endsWith(')')) return undefined;
  const name = text.slice(open + 1, -1);
  if (name.length === 0) return undefined;
  return { kind: kind as DependencyKind, name };
}

const encoder = new TextEncoder();

/**
 * Byte-wise comparison of UTF-8 strings: the order the original tools use for every sorted
 * list (JS string comparison orders by UTF-16 code units, which differs above U+FFFF).
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

/** Sorts and de-duplicates dependencies by their textual form, compared as UTF-8 bytes. */
export function sortDependencies(deps: Iterable<Dependency>): Dependency[] {
  const byText = new Map<string, Dependency>();
  for (const d of deps) byText.set(formatDependency(d), d);
  return [...byText.keys()].sort(compareUtf8).map((k) => byText.get(k)!);
}
