export { ContainerError, type ContainerErrorCode } from './container-error.js';
export { type LineSplitter, lineSplitter } from './line-splitter.js';
export {
  type Bind,
  type ContainerSpec,
  probeContainer,
  type RunOptions,
  type RunResult,
  runInContainer,
} from './run-in-container.js';
export { type InteractiveOptions, runInteractive } from './run-interactive.js';
export { reclaimTerminal } from './terminal.js';
