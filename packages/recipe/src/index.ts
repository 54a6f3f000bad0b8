export {
  BREAKPOINT_MACROS,
  type Breakpoint,
  type BreakpointKind,
  type ScriptPiece,
  splitAtBreakpoints,
} from './breakpoints.js';
export { buildTargets } from './build-targets.js';
export { bumpRelease, recipeRelease, type UpstreamUpdate, updateRecipe } from './edit-recipe.js';
export {
  MacroExpander,
  type MacroTable,
  type MacroToken,
  type ScriptOrigin,
  tokenizeMacros,
} from './expand-macros.js';
export {
  type BuildContext,
  type ExpandedJob,
  type ExpandedPhase,
  type ExpandedRecipe,
  type ExpandOptions,
  expandRecipe,
  MASON,
  macroLayers,
  macroTable,
  type PhaseChunk,
  tuningTables,
  workDirName,
} from './expand-recipe.js';
export { type FoundMacro, findMacro, listMacros, type MacroListing } from './list-macros.js';
export { DEFAULT_MACRO_DIR, loadMacros, type MacroSet } from './load-macros.js';
export { loadRecipe, readRecipeText } from './load-recipe.js';
export {
  type ActionMacro,
  type FlagValues,
  type MacroFile,
  parseMacroFile,
  type TuningFlag,
  type TuningGroup,
  type TuningOption,
} from './macro-file.js';
export { type ParsedRecipe, parseRecipe } from './parse-recipe.js';
export type {
  BuildSpec,
  PhaseName,
  Recipe,
  RecipeGitUpstream,
  RecipePackage,
  RecipePath,
  RecipePlainUpstream,
  RecipeUpstream,
  RecipeWarning,
  TuningChoice,
} from './recipe.js';
export { PHASES } from './recipe.js';
export { RecipeError, type RecipeErrorCode } from './recipe-error.js';
export { recipeSchema } from './recipe-schema.js';
export {
  type CompilerFlags,
  type PgoStage,
  resolveTuning,
  type Toolchain,
  type TuningInput,
} from './resolve-tuning.js';
export { shellProfile } from './shell-profile.js';
