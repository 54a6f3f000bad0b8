export { ContainerError, type ContainerErrorCode } from './container-error.js';
export {
  type Bind,
  type ContainerSpec,
  probeContainer,
  type RunOptions,
  type RunResult,
  runInContainer,
} from './run-in-container.js';
