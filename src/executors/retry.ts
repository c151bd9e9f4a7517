import { CancelledError, ExecutorClosedError, TaskDefinitionError, ValidationError } from '../core/errors.js';
import type { RetryOptions } from './types.js';

/** Errors that another attempt cannot fix. */
function neverRetried(error: Error): boolean {
  return error instanceof CancelledError || error instanceof TaskDefinitionError
    || error instanceof ValidationError || error instanceof ExecutorClosedError;
}

/**
 * Milliseconds to wait before the next attempt, or `undefined` when the task must not be retried.
 * `attempt` is the 1-based number of the attempt that just failed.
 */
export function retryDelay(retry: RetryOptions | undefined, attempt: number, error: Error): number | undefined {
  if (!retry || attempt >= retry.attempts || neverRetried(error)) return undefined;
  if (retry.retryOn) {
    try {
      if (!retry.retryOn(error, attempt)) return undefined;
    } catch {
      return undefined; // a broken predicate must not turn one failure into endless retries
    }
  }
  const backoff = retry.backoff ?? {};
  if (typeof backoff === 'function') {
    const delay = Number(backoff(attempt, error));
    return Number.isFinite(delay) && delay > 0 ? delay : 0;
  }
  const base = backoff.delay ?? 100;
  const raw = backoff.type === 'fixed' ? base : base * 2 ** (attempt - 1);
  const capped = Math.min(raw, backoff.maxDelay ?? 30_000);
  const jitter = backoff.jitter ?? 0;
  return Math.max(0, capped * (1 + jitter * (Math.random() * 2 - 1)));
}
