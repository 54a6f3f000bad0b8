export { type AnalyzeOptions, analyzeFiles, type Bucket } from './analyze.js';
export { type BoulderDirs, boulderDirs } from './boulder-dirs.js';
export { BuildError, type BuildErrorCode } from './build-error.js';
export type { BuildEvent, PhaseTiming } from './build-event.js';
export type {
  BuildPhase,
  BuildPlan,
  BuildTarget,
  PackageDefinition,
  PgoStage,
  PhaseBreakpoint,
} from './build-plan.js';
export {
  buildRecipe,
  chooseRoot,
  openRecipeShell,
  type RecipeBuildEvent,
  type RecipeBuildOptions,
  type RootChoice,
} from './build-recipe.js';
export { type BuildRootEvent, type BuildRootRequest, installBuildRoot } from './build-root.js';
export { openBuildShell, type ShellRequest } from './build-shell.js';
export {
  type CollectedFile,
  type CollectedType,
  type Collection,
  collectInstallRoot,
  OUTSIDE_USR,
} from './collect.js';
export { debugScript, type StripTarget } from './debug-script.js';
export { defaultPackages, mergePackages } from './default-packages.js';
export { downloadFile } from './download-file.js';
export { analyzeSource, type SourceAnalysis } from './draft/analyze-source.js';
export { BUILD_SYSTEMS, type BuildSystem, SYSTEM_RECIPES } from './draft/build-systems.js';
export { type Draft, type DraftOptions, draftRecipe } from './draft/draft-recipe.js';
export { type DraftEvent, type DraftSource, fetchSources } from './draft/fetch-sources.js';
export { type LookupOptions, lookupMonitoring, type Monitoring } from './draft/monitoring.js';
export { type DraftRecipe, renderMonitoringYaml, renderStoneYaml } from './draft/render-draft.js';
export { scanDependencies } from './draft/scan-dependencies.js';
export { isArchive, projectMetadata, sourceMetadata } from './draft/source-metadata.js';
export { bumpRecipeFile, type RecipeUpdate, updateRecipeFile } from './edit-recipe-file.js';
export { type Emission, type EmittedPackage, emitPackages, stoneFileName } from './emit.js';
export { summarizeFailure } from './failure-summary.js';
export {
  type FetchEvent,
  type FetchedUpstream,
  type FetchOptions,
  fetchUpstreams,
} from './fetch-upstreams.js';
export { missingOnHost } from './host-check.js';
export { type ManifestJsonPackage, manifestJson } from './manifest-json.js';
export { assignPackage, globToRegExp, type PathRule, ruleMatches, rulesOf } from './path-rules.js';
export { pkgConfigRequires } from './pkg-config.js';
export { type PlanOptions, planFromRecipe, type RecipePlan, sourceDateEpoch } from './plan-recipe.js';
export { prepareScript, workDirOf } from './prepare-script.js';
export {
  addProfile,
  DEFAULT_PROFILE,
  DEFAULT_PROFILES,
  findProfile,
  loadProfiles,
  type Profile,
  type ProfileRepository,
  parseRepositorySpec,
  profileId,
  profileOf,
  saveProfile,
  updateProfile,
} from './profiles.js';
export { isPythonMetadata, type PythonDist, type PythonMetadata, pythonFacts } from './python-metadata.js';
export {
  type BuildOptions,
  type BuildResult,
  type BuildRoot,
  buildContainer,
  runBuild,
} from './run-build.js';
export type { GitUpstream, PlainUpstream, Upstream } from './upstream.js';
export { upstreamDir, upstreamFileName } from './upstream.js';
export { GUEST, type Workspace, workspaceOf } from './workspace.js';
