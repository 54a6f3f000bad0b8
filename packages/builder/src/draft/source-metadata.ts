import { tomlTable } from './scan-dependencies.js';

/** What a draft knows of the source before reading its files: from the first URL. */
export interface SourceMetadata {
  readonly name?: string;
  readonly version?: string;
  readonly homepage?: string;
  /** `github` when the URL is a GitHub archive or release asset (its releases feed is known). */
  readonly forge?: 'github' | 'pypi';
}

const ARCHIVE = /\.(tar(\.[a-z0-9]+)?|tgz|tbz2?|txz|tzst|zip)$/i;

/** Whether a file name looks like an archive the draft unpacks (tar with any compression, zip). */
export function isArchive(name: string): boolean {
  return ARCHIVE.test(name);
}

/**
 * The original's two matchers: a GitHub archive or release URL
 * (`github.com/<owner>/<project>/archive/refs/tags/<tag>.tar.gz`, `.../releases/download/<tag>/...`)
 * gives the lower-cased project, the tag (without a leading `v`, which the original kept) and
 * the project page; otherwise a file named `<name>-<version>.<archive>` gives those two and the
 * URL's directory as homepage. PyPI's file host is recognised for its release feed.
 */
export function sourceMetadata(url: string): SourceMetadata {
  const gh =
    /^https?:\/\/github\.com\/([^/]+)\/([^/]+)\/(?:archive\/(?:refs\/tags\/)?([^/]+?)\.(?:tar\.gz|tar\.bz2|tar\.xz|zip)|releases\/download\/([^/]+)\/)/.exec(
      url,
    );
  if (gh) {
    const tag = (gh[3] ?? gh[4])!;
    return {
      name: gh[2]!.toLowerCase(),
      version: tag.replace(/^v(?=\d)/, ''),
      homepage: `https://github.com/${gh[1]}/${gh[2]}`,
      forge: 'github',
    };
  }
  const path = url.replace(/[?#].*$/, '');
  const file = path.slice(path.lastIndexOf('/') + 1);
  const basic = /^(.+?)-(\d[A-Za-z0-9.+~_-]*?)\.(?:tar(?:\.[a-z0-9]+)?|tgz|tbz2?|txz|tzst|zip|sh|bin)$/i.exec(
    file,
  );
  if (!basic) return {};
  return {
    name: basic[1]!.toLowerCase(),
    version: basic[2]!,
    homepage: path.slice(0, path.lastIndexOf('/') + 1),
    ...(/^https?:\/\/files\.pythonhosted\.org\//.test(url) ? { forge: 'pypi' as const } : {}),
  };
}

/** A `key = "value"` of a TOML table (or `key = { text = "value" }`). */
function tomlString(table: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(?:\\{\\s*text\\s*=\\s*)?"([^"]*)"`, 'm').exec(table);
  return m?.[1];
}

/** Name, version, summary and license a Cargo.toml or pyproject.toml declares. */
export function projectMetadata(
  file: 'Cargo.toml' | 'pyproject.toml',
  text: string,
): { name?: string; version?: string; summary?: string; license?: string } {
  const table = tomlTable(text, file === 'Cargo.toml' ? 'package' : 'project');
  const out: { name?: string; version?: string; summary?: string; license?: string } = {};
  for (const [key, field] of [
    ['name', 'name'],
    ['version', 'version'],
    ['description', 'summary'],
    ['license', 'license'],
  ] as const) {
    const v = tomlString(table, key);
    if (v) out[field] = v;
  }
  return out;
}
