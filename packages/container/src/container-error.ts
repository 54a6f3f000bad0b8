import { SerpentError } from '@serpent/errors';

export type ContainerErrorCode = 'CONTAINER_UNAVAILABLE' | 'CONTAINER_SETUP_FAILED';

export class ContainerError extends SerpentError {
  override readonly name = 'SerpentError';
  constructor(
    code: ContainerErrorCode,
    message: string,
    options: { hint: string; details: Record<string, unknown>; cause?: unknown },
  ) {
    super(code, message, options);
  }
}
