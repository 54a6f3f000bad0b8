import { compareUtf8 } from '@serpent/stone';

/** One package's entry in `manifest.<arch>.jsonc`. */
export interface ManifestJsonPackage {
  readonly name: string;
  /** Raw recipe strings. */
  readonly buildDepends: readonly string[];
  /** `kind(name)` for analysed deps, raw strings for recipe rundeps. */
  readonly depends: readonly string[];
  /** Absolute paths (`/usr/...`). */
  readonly files: readonly string[];
  readonly provides: readonly string[];
}

const sortedSet = (xs: readonly string[]) => [...new Set(xs)].sort(compareUtf8);

/**
 * `manifest.<arch>.jsonc` exactly as boulder writes it: the comment line, then TAB-indented
 * JSON with keys in this order, each list sorted and de-duplicated, empty lists left out, and
 * a final newline.
 */
export function manifestJson(
  source: { name: string; version: string; release: number },
  packages: readonly ManifestJsonPackage[],
): string {
  const pkgs: Record<string, unknown> = {};
  for (const p of [...packages].sort((a, b) => compareUtf8(a.name, b.name))) {
    const entry: Record<string, unknown> = {};
    const put = (key: string, xs: readonly string[]) => {
      if (xs.length > 0) entry[key] = sortedSet(xs);
    };
    put('build-depends', p.buildDepends);
    put('depends', p.depends);
    put('files', p.files);
    entry.name = p.name;
    put('provides', p.provides);
    pkgs[p.name] = entry;
  }
  const doc = {
    'manifest-version': '0.2',
    packages: pkgs,
    'source-name': source.name,
    'source-release': String(source.release),
    'source-version': source.version,
  };
  return `/** Human readable report. This is not consumed by boulder */\n${JSON.stringify(doc, null, '\t')}\n`;
}
