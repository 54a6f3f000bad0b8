// The one way into a system root: openRoot → Root. Everything else in this package is internal.

export { openRoot } from './root/open-root.js';
export { type PlanSection, planSummary } from './root/plan-summary.js';
export type {
  AddedRepository,
  AssetUse,
  Boot,
  BootDirs,
  BootStatus,
  BootSyncOptions,
  BootSyncResult,
  CommitResult,
  ExplicitRepositories,
  LockRequest,
  ModelRequest,
  NewRepository,
  OpenRootOptions,
  PackageDetails,
  PackageFile,
  PackageSummary,
  Packages,
  Plan,
  PlannedChange,
  PlannedFlag,
  PlannedPackage,
  PlannedRemoval,
  PlannedRepositoryChange,
  PlanRequest,
  PrunePlan,
  PruneResult,
  RefreshResult,
  Repositories,
  RepositoryInfo,
  RepositoryList,
  Root,
  RootEvent,
  StateSummary,
  States,
  StatesChangeOptions,
  SyncRequest,
  VerifyIssue,
  VerifyReport,
} from './root/root-types.js';
export { SystemError, type SystemErrorCode } from './system-error.js';
export type { TransactionEvent, TransactionPhase } from './transaction/transaction-event.js';
export { TransactionError, type TransactionErrorCode } from './transaction-error.js';
