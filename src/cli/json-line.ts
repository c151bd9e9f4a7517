/**
 * Turns task inputs, values and errors into JSON text for the result lines of `taskfarm run`.
 *
 * A worker may return anything structured clone carries (BigInt, Map, Set, typed arrays, NaN,
 * cycles...), and plain `JSON.stringify` throws on some of these and silently mangles others. A run
 * of a million tasks must not die on result 999,999 because of one odd value, so every value gets a
 * documented JSON form (see docs/cli.md, "Values JSON cannot represent"):
 *
 * | value                      | written as                                   |
 * |----------------------------|----------------------------------------------|
 * | BigInt                     | string of its digits: `"1234567890123"`      |
 * | `undefined` (the value)    | `null` (inside an object the key is omitted) |
 * | NaN, Infinity, -Infinity   | the strings `"NaN"`, `"Infinity"`, `"-Infinity"` |
 * | Map                        | array of `[key, value]` pairs                |
 * | Set                        | array of its members                         |
 * | typed array, DataView, ArrayBuffer | array of numbers (BigInt64Array: strings) |
 * | Date                       | ISO string (JSON's own rule)                 |
 * | RegExp                     | its source text, e.g. `"/ab+c/gi"`           |
 * | Error                      | `{ "name", "message", "code"? }`             |
 * | function, symbol           | `null` (inside an object the key is omitted) |
 * | a reference cycle          | `"[Circular]"` where the cycle closes        |
 */

/** JSON text for any value; never throws. */
export function toJson(value: unknown): string {
  // Fast path: most farms return numbers or small plain data.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value, replace) ?? 'null';
  } catch {
    // A cycle (or a throwing getter/toJSON): encode again, tracking ancestors.
    try {
      return JSON.stringify(value, cycleSafeReplacer()) ?? 'null';
    } catch (error) {
      return JSON.stringify(`[unencodable: ${(error as Error)?.message ?? String(error)}]`);
    }
  }
}

/** A result line: `{"input": ..., "value": ...}`. */
export function valueLine(input: unknown, value: unknown): string {
  return `{"input":${toJson(input)},"value":${toJson(value)}}`;
}

/** An error line: `{"input": ..., "error": {"name", "message", "code"?, "details"?}}`. */
export function errorLine(input: unknown, error: unknown): string {
  return `{"input":${toJson(input)},"error":${toJson(describeError(error))}}`;
}

/** The JSON form of an error in a result line. */
export interface ErrorRecord {
  /** The original error's name (`RangeError`, a custom class...) or taskfarm's (`TaskTimeoutError`). */
  name: string;
  message: string;
  /** taskfarm's stable code (`ERR_TASK_FAILED`, `ERR_TASK_TIMEOUT`, `ERR_WORKER_CRASHED`...) or the error's own. */
  code?: string;
  /** Own properties of the error the task threw (e.g. its own `code` or `errno`), when it had any. */
  details?: Record<string, unknown>;
}

export function describeError(error: unknown): ErrorRecord {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const record: ErrorRecord = { name: error.name, message: error.message };
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (typeof code === 'string') record.code = code;
  if (details && typeof details === 'object' && Object.keys(details).length > 0) {
    record.details = details as Record<string, unknown>;
  }
  return record;
}

/** JSON.stringify replacer giving the encodings listed at the top of this file. */
function replace(this: unknown, _key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'function':
    case 'symbol':
      return _key === '' ? null : undefined;
    case 'undefined':
      return _key === '' ? null : undefined;
    case 'object':
      return value === null ? null : replaceObject(value);
    default:
      return value;
  }
}

function replaceObject(value: object): unknown {
  if (value instanceof Map) return Array.from(value);
  if (value instanceof Set) return Array.from(value);
  if (ArrayBuffer.isView(value)) {
    return value instanceof DataView
      ? Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
      : Array.from(value as unknown as ArrayLike<unknown>);
  }
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)) {
    return Array.from(new Uint8Array(value));
  }
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error) return describeError(value);
  return value;
}

/**
 * The same replacer, plus cycle detection. JSON.stringify walks depth first and calls the replacer
 * with `this` set to the holder, so the chain of ancestors is the stack cut back to the holder. The
 * originals are kept beside their replacements because a Map comes back as a fresh array each time.
 */
function cycleSafeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const originals: unknown[] = [];
  const replacements: unknown[] = [];
  return function (this: unknown, key: string, value: unknown): unknown {
    const replaced = replace.call(this, key, value);
    if (typeof replaced !== 'object' || replaced === null) return replaced;
    while (replacements.length > 0 && replacements[replacements.length - 1] !== this) {
      replacements.pop();
      originals.pop();
    }
    if (originals.includes(value)) return '[Circular]';
    originals.push(value);
    replacements.push(replaced);
    return replaced;
  };
}
