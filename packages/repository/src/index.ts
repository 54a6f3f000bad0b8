export { DEFAULT_MAX_INDEX_BYTES, fetchIndex, packageUrl, repositoryCacheDir } from './fetch-index.js';
export { downloadPath, fetchPackages } from './fetch-packages.js';
export { readIndex } from './read-index.js';
export {
  addRepository,
  checkRepositoryUri,
  compareRepositories,
  loadRepositories,
  type RemovedRepository,
  removeRepository,
  repositoryConfigPaths,
  sanitizeRepositoryId,
  setRepositoryActive,
} from './repository-config.js';
export { RepositoryError, type RepositoryErrorCode } from './repository-error.js';
export type {
  AddRepositoryInput,
  FetchedIndex,
  FetchedPackage,
  FetchIndexEvent,
  FetchIndexOptions,
  FetchPackagesEvent,
  FetchPackagesOptions,
  IndexedPackage,
  PackageFetchItem,
  Repository,
  RepositoryConfig,
  RepositoryConfigProblem,
  RepositoryScope,
  WriteIndexEvent,
  WriteIndexOptions,
  WriteIndexResult,
} from './types.js';
export { INDEX_CACHE_NAME, INDEX_NAME, writeIndex } from './write-index.js';
