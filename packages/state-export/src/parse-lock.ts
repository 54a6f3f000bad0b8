import { LOCK_FORMAT, LOCK_VERSION, type Lock } from './lock.js';
import { describeError, firstError, LOCK_SCHEMA_FILE, pointerSegments, validatorFor } from './schemas.js';
import { StateExportError } from './state-export-error.js';

/**
 * Parses and validates a lock file's text against its JSON Schema (ajv), then what a schema
 * cannot say: one package per name and per hash, and every `repository` a listed one. Pure;
 * `file` only names the source in errors. Throws StateExportError (LOCK_BAD_JSON,
 * LOCK_UNSUPPORTED_VERSION, LOCK_INVALID) naming the file, the field and the package.
 */
export function parseLock(text: string, file = 'lock'): Lock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateExportError('LOCK_BAD_JSON', `${file}: ${(err as Error).message}`, { file }, err);
  }
  const obj = raw as { format?: unknown; version?: unknown; packages?: unknown };
  // Before the schema: a newer format must say "newer", not "unknown key".
  if (typeof raw === 'object' && raw !== null && obj.format === LOCK_FORMAT && obj.version !== LOCK_VERSION) {
    throw new StateExportError(
      'LOCK_UNSUPPORTED_VERSION',
      `${file}: lock version ${JSON.stringify(obj.version)}, and this moss reads version ${LOCK_VERSION}`,
      { file, version: obj.version },
    );
  }
  const validate = validatorFor(LOCK_SCHEMA_FILE);
  if (!validate(raw)) {
    const errors = validate.errors ?? [];
    const first = firstError(errors);
    const at = pointerSegments(first.instancePath);
    const pkg =
      at[0] === 'packages' && at[1] !== undefined
        ? (obj.packages as { name?: unknown }[] | undefined)?.[Number(at[1])]?.name
        : undefined;
    throw new StateExportError(
      'LOCK_INVALID',
      `${file}: ${describeError(first)}${typeof pkg === 'string' ? ` (package ${pkg})` : ''}`,
      {
        file,
        path: at,
        errors: errors.map(describeError),
        ...(typeof pkg === 'string' ? { package: pkg } : {}),
      },
    );
  }
  const lock = raw as Lock;
  const invalid = (message: string, details: Record<string, unknown>) =>
    new StateExportError('LOCK_INVALID', `${file}: ${message}`, { file, ...details });
  const repoNames = new Set<string>();
  for (const r of lock.repositories) {
    if (repoNames.has(r.name)) throw invalid(`repository ${r.name} is listed twice`, { repository: r.name });
    repoNames.add(r.name);
  }
  const names = new Map<string, string>();
  const hashes = new Map<string, string>();
  for (const p of lock.packages) {
    const label = `${p.name} ${p.version}-${p.release}`;
    if (names.has(p.name))
      throw invalid(
        `package ${p.name} is listed twice (${names.get(p.name)} and ${label}); a state has one release per name`,
        {
          package: p.name,
        },
      );
    if (hashes.has(p.hash))
      throw invalid(`${label} and ${hashes.get(p.hash)} have the same hash ${p.hash}`, {
        package: p.name,
        hash: p.hash,
      });
    if (p.repository !== undefined && !repoNames.has(p.repository))
      throw invalid(`${label} names repository ${p.repository}, which the lock does not list`, {
        package: p.name,
        repository: p.repository,
      });
    names.set(p.name, label);
    hashes.set(p.hash, label);
  }
  return lock;
}
