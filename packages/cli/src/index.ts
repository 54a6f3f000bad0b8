export type { Command, CommandContext } from './command.js';
export { bufferIo, type CommandIo, processIo } from './command-io.js';
export { confirm } from './confirm.js';
export { escapeControl } from './escape-control.js';
export { formatColumns, formatTable, visibleLength } from './format-columns.js';
export { helpText } from './help-text.js';
export {
  type CommandLoaders,
  type CommandManifest,
  lazyCommand,
} from './lazy-command.js';
export {
  type FlagDef,
  type FlagSpec,
  flagInt,
  flagSize,
  flagString,
  type ParsedArgs,
  parseFlags,
  positionalInt,
} from './parse-flags.js';
export { type Progress, progressBar } from './progress.js';
export { EXIT, renderError } from './render-error.js';
export {
  commandReport,
  createReport,
  type ListFormat,
  type Report,
  type ReportEvent,
  type ReportOptions,
  type Text,
} from './report.js';
export { type CliOptions, expandShortcut, runCli } from './run-cli.js';
export { style } from './style.js';
export { type ToolVersions, toolVersions } from './tool-versions.js';
export { versionCommand } from './version-command.js';
