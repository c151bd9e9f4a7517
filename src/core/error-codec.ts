import { inspect } from 'node:util';
import { TaskError, errorClassFor, registeredNameOf } from './errors.js';

/**
 * An error as plain data, safe for structured clone and JSON. Errors cross threads, processes and
 * Redis in this form and are rebuilt by {@link deserializeError}.
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The name the error's class is registered under (every taskfarm class is): it is rebuilt as that class. */
  registered?: string;
  /** Own enumerable properties of the error, besides name, message, stack and cause. */
  props?: Record<string, unknown>;
  cause?: SerializedError;
  /** Set when a non-Error value was thrown: the value itself, or its description if not cloneable. */
  thrown?: { value: unknown };
}

const MAX_DEPTH = 8;

/**
 * Turns anything thrown into a {@link SerializedError}. Never throws: a hostile value (a throwing
 * getter, a revoked Proxy) must fail its task, not kill the worker that reports it.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  try {
    return serialize(error, depth);
  } catch (failure) {
    return { name: 'TaskError', message: `Task threw a value that cannot be described: ${safeString(failure)}`, thrown: { value: safeString(error) } };
  }
}

function serialize(error: unknown, depth: number): SerializedError {
  if (!isErrorLike(error)) {
    const value = cloneable(error) ? error : inspect(error, { depth: 2 });
    return { name: 'TaskError', message: describeThrown(error), thrown: { value } };
  }
  const out: SerializedError = { name: read(error, 'name', 'Error'), message: read(error, 'message', '') };
  const stack = read(error, 'stack', undefined);
  if (stack !== undefined) out.stack = stack;
  const registered = registeredNameOf(error);
  if (registered) out.registered = registered;
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    if (key === 'code' && registered) continue; // the class sets its own code
    let value: unknown;
    try {
      value = (error as unknown as Record<string, unknown>)[key];
    } catch (failure) {
      value = `<getter threw: ${safeString(failure)}>`;
    }
    (out.props ??= {})[key] = cloneable(value) ? value : inspect(value, { depth: 2 });
  }
  let cause: unknown;
  try {
    cause = (error as { cause?: unknown }).cause;
  } catch {
    cause = undefined;
  }
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
  const registered = data.registered ? errorClassFor(data.registered) : undefined;
  if (registered) {
    error = new registered(data.message, (cause === undefined ? undefined : { cause }) as never);
    if (data.props) Object.assign(error, data.props);
    error.name = data.name;
  } else {
    error = new TaskError(data.message, { name: data.name, cause, details: data.props });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** Anything thrown as an Error: a non-Error value becomes a TaskError keeping it as `thrown`, as from a worker. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : deserializeError(serializeError(value));
}

/** The message a non-Error thrown value gets, e.g. `Task threw a non-Error value: undefined`. */
export function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  return `Task threw a non-Error value: ${safeInspect(value)}`;
}

function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string';
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

/** One field of an error as a string, or the fallback when it is missing or its getter throws. */
function read<F extends string | undefined>(error: Error, key: 'name' | 'message' | 'stack', fallback: F): string | F {
  try {
    const value: unknown = error[key];
    return value === undefined ? fallback : safeString(value);
  } catch {
    return fallback;
  }
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return safeInspect(value);
  }
}

function safeInspect(value: unknown): string {
  try {
    return inspect(value, { depth: 2, breakLength: Infinity });
  } catch {
    return Object.prototype.toString.call(value);
  }
}
