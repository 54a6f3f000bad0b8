export { DEFAULT_MAX_INDEX_BYTES, fetchIndex, packageUrl, repositoryCacheDir } from './fetch-index.js';
export { downloadPath, fetchPackages } from './fetch-packages.js';
export { INDEX_NAME } from './index-name.js';
export { publicKeyPathFor, readPublicKey, readSecretKey, writeKeyPair } from './key-files.js';
export {
  formatPublicKey,
  formatSecretKey,
  generateKeyPair,
  keyIdText,
  type MinisignPublicKey,
  type MinisignSecretKey,
  parsePublicKey,
  parseSecretKey,
} from './minisign-key.js';
export {
  checkSignature,
  formatSignature,
  type MinisignSignature,
  parseSignature,
  type SignatureCheck,
  type SignatureProblem,
  signatureTimestamp,
  signData,
} from './minisign-signature.js';
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
export {
  INDEX_SIGNATURE_NAME,
  indexTrustedComment,
  type SignIndexResult,
  signatureUrl,
  signIndex,
} from './sign-index.js';
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
export {
  trustedKeysOf,
  type VerifiedSignature,
  verifyIndexSignature,
} from './verify-index.js';
export { INDEX_CACHE_NAME, writeIndex } from './write-index.js';
