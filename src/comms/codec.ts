import { deserializeError, serializeError, type SerializedError } from '../core/error-codec.js';
import { MessageEncodingError } from './errors.js';

/** How a handler ended, as it travels back to the sender. `value` is absent when the handler returned `undefined`. */
export type Outcome = { ok: true; value?: unknown } | { ok: false; error: SerializedError };

/**
 * JSON text of a value. Messages always travel inside an envelope object, so a top-level `undefined`
 * is simply an absent field instead of the non-JSON result `JSON.stringify(undefined)` gives.
 */
export function encodeJson(value: object, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw new MessageEncodingError(`${what} cannot be sent as JSON: ${messageOf(cause)}`, { cause });
  }
}

export function decodeJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new MessageEncodingError(`${what} is not valid JSON: ${messageOf(cause)}`, { cause });
  }
}

/** Runs a handler and encodes how it ended. Never throws: every failure is an outcome for the sender. */
export async function runHandler(call: () => unknown): Promise<string> {
  try {
    const value = await call();
    return encodeJson({ ok: true, value }, 'The handler result');
  } catch (error) {
    return encodeFailure(error);
  }
}

/** The outcome text of a failure; falls back to name and message when the error's own fields are not JSON. */
export function encodeFailure(error: unknown): string {
  const serialized = serializeError(error);
  try {
    return JSON.stringify({ ok: false, error: serialized });
  } catch {
    const { name, message, stack, registered } = serialized;
    return JSON.stringify({ ok: false, error: { name, message, stack, registered } });
  }
}

export function decodeOutcome(text: string): Outcome {
  const outcome = decodeJson(text, 'A reply') as Outcome;
  if (typeof outcome !== 'object' || outcome === null || typeof outcome.ok !== 'boolean') {
    throw new MessageEncodingError('A reply is not a taskfarm outcome');
  }
  return outcome;
}

/** The value of an outcome, or its error rebuilt with its class (thrown). */
export function unwrapOutcome(outcome: Outcome): unknown {
  if (outcome.ok) return outcome.value;
  throw deserializeError(outcome.error);
}

/** A deep copy through JSON, exactly as a message arrives over a real wire. */
export function copyThroughJson<T>(value: T, what: string): T {
  return (decodeJson(encodeJson({ v: value }, what), what) as { v: T }).v;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
