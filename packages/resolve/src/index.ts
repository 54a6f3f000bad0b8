export {
  type Candidate,
  type CandidateSource,
  type InstalledPackage,
  installedCandidate,
  type ResolveMeta,
  type Selection,
} from './candidate.js';
export { dependencyOrder } from './dependency-order.js';
export { orderPackages } from './order-packages.js';
export { parseRequest } from './parse-request.js';
export { compareCandidates, ProviderIndex, providerKey, providerKeys } from './provider-index.js';
export { ResolveError, type ResolveErrorCode } from './resolve-error.js';
export { type InstallInput, type InstallPlan, resolveInstall } from './resolve-install.js';
export {
  type Removal,
  type RemovalReason,
  type RemoveInput,
  type RemovePlan,
  resolveRemove,
} from './resolve-remove.js';
export { resolveSync, type SyncChange, type SyncInput, type SyncPlan } from './resolve-sync.js';
