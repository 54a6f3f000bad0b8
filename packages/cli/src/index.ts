export type { Command, CommandContext } from './command.js';
export { bufferIo, type CommandIo, processIo } from './command-io.js';
export { confirm } from './confirm.js';
export { formatColumns, formatTable, visibleLength } from './format-columns.js';
export { helpText } from './help-text.js';
export {
  type FlagDef,
  type FlagSpec,
  flagInt,
  flagString,
  type ParsedArgs,
  parseFlags,
} from './parse-flags.js';
export { type Progress, progressBar } from './progress.js';
export { EXIT, renderError } from './render-error.js';
export {
  createReport,
  type ListFormat,
  type Report,
  type ReportEvent,
  type ReportOptions,
} from './report.js';
export { type CliOptions, expandShortcut, runCli } from './run-cli.js';
export { style } from './style.js';
