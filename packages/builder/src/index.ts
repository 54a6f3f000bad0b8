export { type AnalyzeOptions, analyzeFiles, type Bucket } from './analyze.js';
export { BuildError, type BuildErrorCode } from './build-error.js';
export type { BuildPhase, BuildPlan, BuildTarget, PackageDefinition } from './build-plan.js';
export {
  type CollectedFile,
  type CollectedType,
  type Collection,
  collectInstallRoot,
  OUTSIDE_USR,
} from './collect.js';
export { debugScript, type StripTarget } from './debug-script.js';
export { defaultPackages, mergePackages } from './default-packages.js';
export { type Emission, type EmittedPackage, emitPackages, stoneFileName } from './emit.js';
export { summarizeFailure } from './failure-summary.js';
export {
  type FetchEvent,
  type FetchedUpstream,
  type FetchOptions,
  fetchUpstreams,
} from './fetch-upstreams.js';
export { type ManifestJsonPackage, manifestJson } from './manifest-json.js';
export { assignPackage, globToRegExp, type PathRule, ruleMatches, rulesOf } from './path-rules.js';
export { pkgConfigRequires } from './pkg-config.js';
export { prepareScript, workDirOf } from './prepare-script.js';
export {
  DEFAULT_PROFILES,
  findProfile,
  loadProfiles,
  type Profile,
  type ProfileRepository,
  profileId,
  saveProfile,
  updateProfile,
} from './profiles.js';
export {
  type BuildEvent,
  type BuildOptions,
  type BuildResult,
  type BuildRoot,
  GUEST,
  type PhaseTiming,
  runBuild,
} from './run-build.js';
export type { GitUpstream, PlainUpstream, Upstream } from './upstream.js';
export { upstreamDir, upstreamFileName } from './upstream.js';
