/** A downloadable source archive or file, verified by SHA-256. */
export interface PlainUpstream {
  readonly kind: 'plain';
  /** `http://`, `https://` or `file://`. */
  readonly uri: string;
  /** Lower- or upper-case hex SHA-256 of the download. */
  readonly hash: string;
  /** File name inside the source dir; defaults to the URI's last path segment. */
  readonly rename?: string;
  /** `tar --strip-components`; default 1, ignored for zip. */
  readonly stripDirs?: number;
  /** false: only copy the file into the source dir. Default true. */
  readonly unpack?: boolean;
  /** Directory (relative to the build dir) to extract into; default the file name. */
  readonly unpackDir?: string;
}

/** A git repository at a ref. */
export interface GitUpstream {
  readonly kind: 'git';
  readonly uri: string;
  /** Commit, tag or branch. */
  readonly ref: string;
  /** Directory (relative to the build dir) to check out into; default the URI's last segment. */
  readonly cloneDir?: string;
}

export type Upstream = PlainUpstream | GitUpstream;

/** The URI's last path segment, with `.git` kept (as boulder does). */
export function upstreamFileName(u: Upstream): string {
  if (u.kind === 'plain' && u.rename) return u.rename;
  const path = u.uri.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last || 'upstream';
}

/** Where the upstream lands under the build dir: its unpack/clone directory. */
export function upstreamDir(u: Upstream): string {
  if (u.kind === 'plain') return u.unpackDir ?? upstreamFileName(u);
  return u.cloneDir ?? upstreamFileName(u).replace(/\.git$/, '');
}
