import { SerpentError } from '@serpent/errors';

/** Stable codes of every failure this package reports. Published codes are never reused. */
export type TriggersErrorCode =
  | 'TRIGGERS_UNREADABLE'
  | 'TRIGGERS_BAD_YAML'
  | 'TRIGGERS_INVALID_FILE'
  | 'TRIGGERS_BAD_PATTERN'
  | 'TRIGGERS_MISSING_HANDLER'
  | 'TRIGGERS_DUPLICATE_NAME'
  | 'TRIGGERS_IGNORED_FILE'
  | 'TRIGGERS_CYCLE'
  | 'TRIGGERS_NAMESPACE_UNAVAILABLE'
  | 'TRIGGERS_NO_STAGING'
  | 'TRIGGERS_HANDLER_FAILED';

const HINTS: Record<TriggersErrorCode, string> = {
  TRIGGERS_UNREADABLE: 'check that the file exists and is readable',
  TRIGGERS_BAD_YAML: 'fix the YAML syntax at the line shown',
  TRIGGERS_INVALID_FILE:
    'fix the trigger file at the line shown; the keys are described in the triggers README',
  TRIGGERS_BAD_PATTERN: 'fix the path pattern; see the @serpent/fnmatch README for the syntax',
  TRIGGERS_MISSING_HANDLER: 'define the handler under `handlers:` or remove it from the path',
  TRIGGERS_DUPLICATE_NAME: 'give each trigger file its own `name:`; the first one loaded is kept',
  TRIGGERS_IGNORED_FILE: 'trigger files must end in .yaml',
  TRIGGERS_CYCLE: 'remove one of the before/after references between the triggers named',
  TRIGGERS_NAMESPACE_UNAVAILABLE:
    'transaction triggers need mount and PID namespaces: run as root, or allow user namespaces (sysctl user.max_user_namespaces > 0) and install util-linux',
  TRIGGERS_NO_STAGING: 'pass the staging /usr directory (stagingUsr) to run transaction triggers',
  TRIGGERS_HANDLER_FAILED:
    'read the handler output above; the system is in the new state but this step did not finish',
};

export class TriggersError extends SerpentError {
  override readonly name = 'SerpentError';
  override readonly code: TriggersErrorCode;
  constructor(
    code: TriggersErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(code, message, { hint: HINTS[code], details, ...(cause === undefined ? {} : { cause }) });
    this.code = code;
  }
}
