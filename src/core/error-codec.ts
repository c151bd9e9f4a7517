import { inspect } from 'node:util';
import { TaskError, errorClassFor } from './errors.js';

/**
 * An error as plain data, safe for structured clone and JSON. Errors cross threads, processes and
 * Redis in this form and are rebuilt by {@link deserializeError}.
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Set when the error's class is registered (every taskfarm class is): it is rebuilt as that class. */
  registered?: boolean;
  /** Own enumerable properties of the error, besides name, message, stack and cause. */
  props?: Record<string, unknown>;
  cause?: SerializedError;
  /** Set when a non-Error value was thrown: the value itself, or its description if not cloneable. */
  thrown?: { value: unknown };
}

const MAX_DEPTH = 8;

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null
    && typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string');
}

function cloneable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return true;
  if (typeof value !== 'object') return false;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Turns anything thrown into a {@link SerializedError}. Never throws. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!isErrorLike(error)) {
    const value = cloneable(error) ? error : inspect(error, { depth: 2 });
    return { name: 'TaskError', message: describeThrown(error), thrown: { value } };
  }
  const out: SerializedError = { name: String(error.name), message: String(error.message), stack: error.stack };
  const registered = errorClassFor(error.constructor?.name ?? '');
  if (registered && error instanceof registered) out.registered = true;
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (key === 'code' && out.registered) continue; // the class sets its own code
    (out.props ??= {})[key] = cloneable(value) ? value : inspect(value, { depth: 2 });
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && depth < MAX_DEPTH) out.cause = serializeError(cause, depth + 1);
  return out;
}

/** Rebuilds an error: a registered class comes back as itself, anything else as a {@link TaskError}. */
export function deserializeError(data: SerializedError): Error {
  const cause = data.cause ? deserializeError(data.cause) : undefined;
  if (data.thrown) {
    return new TaskError(data.message, { thrown: data.thrown.value });
  }
  let error: Error;
  const registered = data.registered ? errorClassFor(data.name) : undefined;
  if (registered) {
    error = new registered(data.message, (cause === undefined ? undefined : { cause }) as never);
    if (data.props) Object.assign(error, data.props);
  } else {
    error = new TaskError(data.message, { name: data.name, cause, details: data.props });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** The message a non-Error thrown value gets, e.g. `Task threw a non-Error value: undefined`. */
export function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  return `Task threw a non-Error value: ${inspect(value, { depth: 2, breakLength: Infinity })}`;
}
