export { type BootConfig, bootConfigPath, readBootConfig, writeBootConfig } from './boot/boot-config.js';
export { bootStates, syncBootEntries } from './boot/sync-boot-entries.js';
export { type LayoutDb, openLayoutDb, type PackageLayout } from './db/layout-db.js';
export { type MetaDb, openMetaDb, type StoredPackage } from './db/meta-db.js';
export { isNativeLoadError } from './db/sqlite-handle.js';
export {
  type NewState,
  openStateDb,
  type Selection,
  type State,
  type StateDb,
  type StateInfo,
} from './db/state-db.js';
export { openSystemDbs, type SystemDbs, systemDbPaths } from './db/system-dbs.js';
// The transaction engine: states, the atomic /usr swap, recovery, prune and verify.
export { exchangePaths } from './fs/exchange-paths.js';
export {
  type AcquireOptions,
  acquireRootLock,
  type LockHolder,
  type RootLock,
  readLockHolder,
  rootLockPath,
} from './lock/root-lock.js';
export {
  type RefreshEvent,
  type RepositoryCandidate,
  type RepositoryStatus,
  refreshRepositories,
  repositoryCandidates,
  repositoryFetcher,
  repositoryStatus,
} from './repositories/repository-state.js';
export { type RootLayout, rootLayout } from './root/root-layout.js';
export { SystemError, type SystemErrorCode } from './system-error.js';
export { activateState, applyState, buildStateTree, finishSwap } from './transaction/apply-state.js';
export {
  commitInstall,
  commitPackages,
  type Fetcher,
  type InstallRequest,
  type LocalStone,
  type PreparedInstall,
  planInstall,
  readLocalStones,
  storePackages,
} from './transaction/install-packages.js';
export {
  checkInstallTarget,
  commitInstallTo,
  type InstallToResult,
  TARGET_STAGING,
} from './transaction/install-to.js';
export { type Installation, type OpenOptions, openInstallation } from './transaction/installation.js';
export { installedPackages } from './transaction/installed-packages.js';
export { type Journal, readJournal } from './transaction/journal.js';
export { commitPrune, type PrunePlan, type PruneResult, planPrune } from './transaction/prune-states.js';
export { commitRemove, planRemove } from './transaction/remove-packages.js';
export { readStateId } from './transaction/state-id.js';
export { commitSync, planSync, syncIsEmpty } from './transaction/sync-packages.js';
export { TransactionError, type TransactionErrorCode } from './transaction/transaction-error.js';
export type { EventSink, TransactionEvent, TransactionPhase } from './transaction/transaction-event.js';
export {
  readTreesConfig,
  type TreesConfig,
  treesConfigPath,
} from './transaction/tree-spares.js';
export { repairState, type VerifyIssue, type VerifyReport, verifyState } from './transaction/verify-state.js';
