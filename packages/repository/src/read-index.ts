import { isSerpentError } from '@serpent/errors';
import { FILE_TYPE_NAMES, FileType, type PackageMeta, packageNameProblem, StoneReader } from '@serpent/stone';
import { RepositoryError } from './repository-error.js';
import type { IndexedPackage } from './types.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The packages of a repository index (`stone.index`), from its bytes or its path. Every
 * payload must be a Meta with PackageURI, PackageHash (64 hex digits) and PackageSize: the
 * original fails on a missing PackageHash; we also refuse the other two, which a fetch needs.
 */
export async function readIndex(source: Uint8Array | string, label?: string): Promise<IndexedPackage[]> {
  const name = label ?? (typeof source === 'string' ? source : 'stone.index');
  let metas: PackageMeta[];
  try {
    const stone =
      typeof source === 'string' ? await StoneReader.open(source) : await StoneReader.fromBytes(source, name);
    try {
      if (stone.header.fileType !== FileType.Repository) {
        throw new RepositoryError(
          'REPO_INDEX_INVALID',
          `${name}: a ${FILE_TYPE_NAMES[stone.header.fileType] ?? stone.header.fileType} stone, not a repository index`,
          { file: name, fileType: stone.header.fileType },
        );
      }
      metas = await stone.metas();
    } finally {
      await stone.close();
    }
  } catch (err) {
    if (err instanceof RepositoryError) throw err;
    if (isSerpentError(err)) {
      throw new RepositoryError('REPO_INDEX_INVALID', `${name}: ${err.message}`, { file: name }, err);
    }
    throw new RepositoryError('REPO_IO', `${name}: ${(err as Error).message}`, { file: name }, err);
  }
  return metas.map((m, payload) => checkIndexed(m, name, payload));
}

function checkIndexed(m: PackageMeta, file: string, payload: number): IndexedPackage {
  const bad = (field: string, why: string) =>
    new RepositoryError(
      'REPO_INDEX_INVALID',
      `${file}: package ${m.name} (payload #${payload}) ${why} ${field}`,
      { file, package: m.name, payload, field },
    );
  if (m.packageUri === undefined || m.packageUri === '') throw bad('PackageURI', 'has no');
  if (m.packageHash === undefined) throw bad('PackageHash', 'has no');
  if (!SHA256_HEX.test(m.packageHash)) throw bad('PackageHash', 'has a malformed');
  if (m.packageSize === undefined) throw bad('PackageSize', 'has no');
  // A name or version that would become a path (the original's content dir, `extract`) or
  // print an escape sequence is refused with the whole index.
  const unsafe = packageNameProblem(m);
  if (unsafe !== undefined) {
    throw new RepositoryError('REPO_INDEX_INVALID', `${file}: payload #${payload}: ${unsafe}`, {
      file,
      payload,
    });
  }
  return m as IndexedPackage;
}
