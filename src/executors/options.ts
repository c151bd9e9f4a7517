import { ValidationError } from '../core/errors.js';
import type { SubmitOptions } from './types.js';

/** Checks submit options once, at submit, so that a typo fails loudly instead of being ignored. */
export function validateSubmitOptions(options: SubmitOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(`Submit options must be an object, got ${typeof options}`);
  }
  const { timeout, queueTimeout, priority, where, signal, retry, transfer, messages } = options;
  if (messages !== undefined) {
    const ok = typeof messages === 'object' && messages !== null
      && (messages.message === undefined || typeof messages.message === 'function')
      && (messages.request === undefined || typeof messages.request === 'function');
    if (!ok) throw new ValidationError(`Invalid option 'messages': expected { message?(message), request?(message) }`);
  }
  for (const [name, value] of [['timeout', timeout], ['queueTimeout', queueTimeout]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= 2 ** 31 - 1)) {
      throw new ValidationError(`Invalid option '${name}': expected milliseconds between 1 and 2^31-1, got ${String(value)}`);
    }
  }
  if (priority !== undefined && !(typeof priority === 'number' && Number.isFinite(priority))) {
    throw new ValidationError(`Invalid option 'priority': expected a finite number, got ${String(priority)}`);
  }
  if (where !== undefined && typeof where !== 'function') {
    throw new ValidationError(`Invalid option 'where': expected a function (worker) => boolean, got ${typeof where}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ValidationError(`Invalid option 'signal': expected an AbortSignal`);
  }
  if (transfer !== undefined && !Array.isArray(transfer)) {
    throw new ValidationError(`Invalid option 'transfer': expected an array of transferable values`);
  }
  if (retry !== undefined) {
    if (typeof retry !== 'object' || retry === null) throw new ValidationError(`Invalid option 'retry': expected { attempts, backoff?, retryOn? }`);
    if (!(Number.isInteger(retry.attempts) && retry.attempts >= 1)) {
      throw new ValidationError(`Invalid option 'retry.attempts': expected an integer >= 1 (total attempts), got ${String(retry.attempts)}`);
    }
    if (retry.retryOn !== undefined && typeof retry.retryOn !== 'function') {
      throw new ValidationError(`Invalid option 'retry.retryOn': expected a function`);
    }
    const backoff = retry.backoff;
    if (backoff !== undefined && typeof backoff !== 'function') {
      if (typeof backoff !== 'object' || backoff === null) throw new ValidationError(`Invalid option 'retry.backoff': expected an object or a function`);
      if (backoff.type !== undefined && backoff.type !== 'fixed' && backoff.type !== 'exponential') {
        throw new ValidationError(`Invalid option 'retry.backoff.type': expected 'fixed' or 'exponential', got ${String(backoff.type)}`);
      }
      for (const key of ['delay', 'maxDelay'] as const) {
        const value = backoff[key];
        if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
          throw new ValidationError(`Invalid option 'retry.backoff.${key}': expected milliseconds >= 0, got ${String(value)}`);
        }
      }
      if (backoff.jitter !== undefined && !(typeof backoff.jitter === 'number' && backoff.jitter >= 0 && backoff.jitter <= 1)) {
        throw new ValidationError(`Invalid option 'retry.backoff.jitter': expected a fraction between 0 and 1, got ${String(backoff.jitter)}`);
      }
    }
  }
}

/** A positive integer option, e.g. a worker count. */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && (value as number) >= 1)) {
    throw new ValidationError(`Invalid option '${name}': expected an integer >= 1, got ${String(value)}`);
  }
  return value as number;
}

/** A number option that may be 0, e.g. a duration. */
export function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new ValidationError(`Invalid option '${name}': expected a number >= 0, got ${String(value)}`);
  }
  return value;
}
