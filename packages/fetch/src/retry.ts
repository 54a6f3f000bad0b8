import { TransferAborted, TransferFailure } from './transfer.js';

export interface RetryOptions {
  readonly retries: number;
  readonly delayMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onRetry?: (attempt: number, delayMs: number, failure: TransferFailure) => void;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TransferAborted('aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new TransferAborted('aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `retries` further attempts failed
 * transiently; waits `delayMs · 2^(n-1)` (±25 % jitter, so parallel downloads that failed
 * together do not come back together) before retry n.
 */
export async function withRetries<T>(attempt: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof TransferFailure) || !err.transient || n >= opts.retries) throw err;
      const delay = Math.round(opts.delayMs * 2 ** n * (0.75 + Math.random() * 0.5));
      opts.onRetry?.(n + 1, delay, err);
      await sleep(delay, opts.signal);
    }
  }
}
