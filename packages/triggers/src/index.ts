export { collectCommands } from './collect-commands.js';
export { type LoadedTriggers, loadTriggerFiles, loadTriggers, type TriggerFile } from './load-triggers.js';
export { orderTriggers } from './order-triggers.js';
export { parseTrigger } from './parse-trigger.js';
export {
  type CommandPlace,
  type CommandResult,
  type RunTriggerOptions,
  runTriggerCommands,
  type TriggerEvent,
  type TriggerRunReport,
  triggerFailureError,
} from './run-trigger-commands.js';
export type {
  Handler,
  PathRule,
  PathType,
  Trigger,
  TriggerCommand,
  TriggerPath,
  TriggerScope,
  TriggerWarning,
} from './trigger.js';
export { TriggersError, type TriggersErrorCode } from './triggers-error.js';
export { walkTriggerPaths } from './walk-trigger-paths.js';
