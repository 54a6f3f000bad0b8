import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeFileAtomic } from '@serpent/durable';
import { compareUtf8 } from '@serpent/stone';
import { parse, stringify } from 'yaml';
import { parsePublicKey } from './minisign-key.js';
import { RepositoryError } from './repository-error.js';
import type {
  AddRepositoryInput,
  Repository,
  RepositoryConfig,
  RepositoryConfigProblem,
  RepositoryScope,
} from './types.js';

/** The original's config locations under a root, in load order (later wins for an id). */
export function repositoryConfigPaths(root: string): {
  readonly vendorFile: string;
  readonly vendorDir: string;
  readonly adminFile: string;
  readonly adminDir: string;
} {
  return {
    vendorFile: join(root, 'usr/share/moss/repo.yaml'),
    vendorDir: join(root, 'usr/share/moss/repo.d'),
    adminFile: join(root, 'etc/moss/repo.yaml'),
    adminDir: join(root, 'etc/moss/repo.d'),
  };
}

/**
 * As the original (`repository::Id::new`): every character that is not alphanumeric in the
 * Unicode sense (Rust's `char::is_alphanumeric`: Alphabetic or Numeric) or `-` becomes `_`.
 */
export function sanitizeRepositoryId(id: string): string {
  return id.replace(/[^\p{Alphabetic}\p{N}-]/gu, '_');
}

/** Checks a repository URI: an absolute file://, http:// or https:// URL. Returns its normal form. */
export function checkRepositoryUri(uri: string, details: Record<string, unknown> = {}): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new RepositoryError(
      'REPO_BAD_URI',
      `${JSON.stringify(uri)} is not a URL`,
      { uri, ...details },
      err,
    );
  }
  if (!['file:', 'http:', 'https:'].includes(url.protocol)) {
    throw new RepositoryError('REPO_BAD_URI', `${uri}: ${url.protocol} URIs are not supported`, {
      uri,
      ...details,
    });
  }
  return url.href;
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    // Sorted: the original reads a .d directory in readdir order, so which of two files
    // defining one id wins depended on the filesystem; here the last name in byte order wins.
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
      .map((e) => join(dir, e.name))
      .sort(compareUtf8);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function entryFrom(
  id: string,
  raw: unknown,
  file: string,
  scope: RepositoryScope,
  problems: RepositoryConfigProblem[],
): Repository | undefined {
  const bad = (message: string) => {
    problems.push({ file, message: `repository ${id}: ${message}` });
    return undefined;
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not a mapping');
  const r = raw as Record<string, unknown>;
  if (typeof r.uri !== 'string') return bad('no uri');
  let uri: string;
  try {
    uri = checkRepositoryUri(r.uri);
  } catch (err) {
    return bad((err as Error).message);
  }
  const priority = r.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 0) {
    return bad(`priority ${JSON.stringify(priority)} is not a non-negative integer`);
  }
  const active = r.active ?? true;
  if (typeof active !== 'boolean') return bad(`active ${JSON.stringify(active)} is not true or false`);
  const description = r.description ?? '';
  if (typeof description !== 'string') return bad('description is not a string');
  // A key that does not parse drops the whole entry (reported): keeping the repository without
  // it could leave it with no key at all, that is, unverified.
  const rawKeys = r.keys ?? [];
  if (!Array.isArray(rawKeys) || rawKeys.some((k) => typeof k !== 'string'))
    return bad('keys is not a list of minisign public keys');
  let keys: string[];
  try {
    keys = normalizeKeys(rawKeys as string[], id);
  } catch (err) {
    return bad((err as Error).message);
  }
  return { id, description, uri, priority, active, keys, source: file, scope };
}

/** Keys as their base64 lines, each checked, duplicates dropped, in the order given. */
function normalizeKeys(keys: readonly string[], id: string): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const key = parsePublicKey(k, `a key of ${id}`).base64;
    if (!out.includes(key)) out.push(key);
  }
  return out;
}

async function readConfigFile(
  file: string,
  scope: RepositoryScope,
  problems: RepositoryConfigProblem[],
): Promise<Repository[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      problems.push({ file, message: (err as Error).message });
    return [];
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    problems.push({ file, message: (err as Error).message });
    return [];
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push({ file, message: 'not a mapping of repository ids to entries' });
    return [];
  }
  const out: Repository[] = [];
  for (const [id, raw] of Object.entries(doc)) {
    const repo = entryFrom(id, raw, file, scope, problems);
    if (repo !== undefined) out.push(repo);
  }
  return out;
}

/** Orders repositories as the original queries them: priority descending, then id. */
export function compareRepositories(a: Repository, b: Repository): number {
  return b.priority - a.priority || compareUtf8(a.id, b.id);
}

/**
 * Loads and layers the repository configuration of `root`: `usr/share/moss/repo.yaml`, then
 * `usr/share/moss/repo.d/*.yaml` (vendor), then `etc/moss/repo.yaml`, then
 * `etc/moss/repo.d/*.yaml` (admin); a later file wins for the same id. Unreadable files and
 * bad entries are skipped, as the original does, but reported in `problems`.
 */
export async function loadRepositories(root: string): Promise<RepositoryConfig> {
  const p = repositoryConfigPaths(root);
  const problems: RepositoryConfigProblem[] = [];
  const files: [string, RepositoryScope][] = [
    [p.vendorFile, 'vendor'],
    ...(await yamlFiles(p.vendorDir)).map((f): [string, RepositoryScope] => [f, 'vendor']),
    [p.adminFile, 'admin'],
    ...(await yamlFiles(p.adminDir)).map((f): [string, RepositoryScope] => [f, 'admin']),
  ];
  const byId = new Map<string, Repository>();
  for (const [file, scope] of files) {
    for (const repo of await readConfigFile(file, scope, problems)) byId.set(repo.id, repo);
  }
  return { repositories: [...byId.values()].sort(compareRepositories), problems };
}

function adminFileOf(root: string, id: string): string {
  // The id becomes a file name: only a sanitised one (letters, digits, `-`, `_`) may.
  if (id.length === 0 || id !== sanitizeRepositoryId(id)) {
    throw new RepositoryError('REPO_BAD_ID', `${JSON.stringify(id)} cannot name a configuration file`, {
      id,
    });
  }
  return join(repositoryConfigPaths(root).adminDir, `${id}.yaml`);
}

async function saveAdmin(root: string, repo: Omit<Repository, 'source' | 'scope'>): Promise<Repository> {
  const file = adminFileOf(root, repo.id);
  // The original's one-entry map, fields in its struct order; `keys` (ours) only when there are
  // any. The original ignores keys it does not know (no deny_unknown_fields), so it still reads it.
  const text = stringify({
    [repo.id]: {
      description: repo.description,
      uri: repo.uri,
      priority: repo.priority,
      active: repo.active,
      ...(repo.keys.length > 0 ? { keys: [...repo.keys] } : {}),
    },
  });
  try {
    await writeFileAtomic(file, text);
  } catch (err) {
    throw new RepositoryError('REPO_IO', `cannot write ${file}: ${(err as Error).message}`, { file }, err);
  }
  return { ...repo, source: file, scope: 'admin' };
}

/**
 * `moss repo add`: writes `etc/moss/repo.d/<id>.yaml` (the id sanitised), replacing an
 * earlier definition of the same id there. Fetching the index is the caller's next step.
 */
export async function addRepository(root: string, input: AddRepositoryInput): Promise<Repository> {
  const id = sanitizeRepositoryId(input.id);
  if (id.length === 0)
    throw new RepositoryError('REPO_BAD_ID', 'a repository needs a name', { id: input.id });
  const uri = checkRepositoryUri(input.uri, { repo: id });
  const priority = input.priority ?? 0;
  if (!Number.isSafeInteger(priority) || priority < 0) {
    throw new RepositoryError(
      'REPO_CONFIG_INVALID',
      `priority ${priority} of ${id} is not a non-negative integer`,
      { repo: id, priority },
      undefined,
      'give a whole number, 0 or more (higher is preferred)',
    );
  }
  return saveAdmin(root, {
    id,
    uri,
    description: input.description ?? '...',
    priority,
    active: input.active ?? true,
    keys: normalizeKeys(input.keys ?? [], id),
  });
}

async function find(root: string, rawId: string): Promise<Repository> {
  const id = sanitizeRepositoryId(rawId);
  const { repositories } = await loadRepositories(root);
  const repo = repositories.find((r) => r.id === id);
  if (repo === undefined) throw new RepositoryError('REPO_NOT_FOUND', `${id} not found`, { repo: id });
  return repo;
}

/** `moss repo enable|disable`: saves the whole entry with `active` flipped to the admin file. */
export async function setRepositoryActive(root: string, id: string, active: boolean): Promise<Repository> {
  const repo = await find(root, id);
  return saveAdmin(root, { ...repo, active });
}

export interface RemovedRepository {
  readonly repository: Repository;
  /** A definition of the same id that is in effect now (for example a vendor one). */
  readonly revealed: Repository | undefined;
}

/**
 * `moss repo remove`: deletes `etc/moss/repo.d/<id>.yaml`. A repository defined by any other
 * file (vendor config, `etc/moss/repo.yaml`) is refused before anything is touched; the
 * original deleted the cache first and then refused. Deleting the repository's cache dir is
 * the caller's step after this succeeds.
 */
export async function removeRepository(root: string, id: string): Promise<RemovedRepository> {
  const repo = await find(root, id);
  const file = adminFileOf(root, repo.id);
  if (repo.source !== file) {
    throw new RepositoryError(
      'REPO_VENDOR_CONFIG',
      `${repo.id} is configured in ${repo.source}, which moss does not edit`,
      { repo: repo.id, file: repo.source },
      undefined,
      repo.scope === 'vendor'
        ? 'vendor repositories cannot be removed; disable it with `moss repo disable` instead'
        : `remove the entry from ${repo.source} by hand`,
    );
  }
  try {
    await rm(file);
    await syncDir(repositoryConfigPaths(root).adminDir);
  } catch (err) {
    throw new RepositoryError('REPO_IO', `cannot delete ${file}: ${(err as Error).message}`, { file }, err);
  }
  const after = (await loadRepositories(root)).repositories.find((r) => r.id === repo.id);
  return { repository: repo, revealed: after };
}
