/**
 * What goes into a checkpoint must be JSON. These helpers check that with the path of the first
 * offending value (`ctx.when` is a Date), instead of letting JSON.stringify turn a Date into a
 * string or drop a function without a word.
 */
import type { JsonObject, JsonValue } from '../persistence/bundle.js';
import { NotSerializableError } from './errors.js';

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

/**
 * A JSON copy of `value`, or NotSerializableError naming `path` and what was found. `undefined`
 * object properties are left out (as JSON.stringify does); anywhere else `undefined` is an error.
 */
export function toJson(value: unknown, path: string): JsonValue {
  return copy(value, path, new Set());
}

function copy(value: unknown, path: string, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) throw new NotSerializableError(`${path} refers to itself (a cycle); a checkpoint must be JSON`, { path });
      if (Array.isArray(value)) {
        seen.add(value);
        const out = value.map((item, i) => copy(item, `${path}[${i}]`, seen));
        seen.delete(value);
        return out;
      }
      if (isPlainObject(value)) {
        seen.add(value);
        const out: JsonObject = {};
        for (const [key, item] of Object.entries(value)) {
          if (item !== undefined) out[key] = copy(item, `${path}.${key}`, seen);
        }
        seen.delete(value);
        return out;
      }
      break;
    }
    default:
      break;
  }
  throw new NotSerializableError(
    `${path} is ${describe(value)}, which a checkpoint cannot hold: keep only JSON values (plain objects, arrays, strings, finite numbers, booleans, null) there`,
    { path },
  );
}

/** `toJson` for values that must be objects (inputs, outputs, ctx). */
export function toJsonObject(value: unknown, path: string): JsonObject {
  const json = toJson(value, path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new NotSerializableError(`${path} must be a plain object, got ${describe(value)}`, { path });
  }
  return json;
}

/**
 * Freezes plain objects and arrays in place, so that a step cannot change a process's inputs.
 * Instances of other classes are left alone: freezing them could break them.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && (Array.isArray(value) || isPlainObject(value))) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
