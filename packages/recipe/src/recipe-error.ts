import { SerpentError } from '@serpent/errors';

export type RecipeErrorCode =
  | 'RECIPE_READ_FAILED'
  | 'RECIPE_YAML_INVALID'
  | 'RECIPE_SCHEMA_INVALID'
  | 'RECIPE_UNKNOWN_MACRO'
  | 'RECIPE_MACRO_CYCLE'
  | 'RECIPE_UNKNOWN_TUNING'
  | 'RECIPE_NO_TARGETS'
  | 'RECIPE_MACROS_INVALID'
  | 'RECIPE_EDIT_FAILED';

/** Every error of @serpent/recipe: a stable code, the file and line in `details`, a hint. */
export class RecipeError extends SerpentError {
  override readonly name = 'SerpentError';
  constructor(
    code: RecipeErrorCode,
    message: string,
    options: { hint: string; details: Record<string, unknown>; cause?: unknown },
  ) {
    super(code, message, options);
  }
}
