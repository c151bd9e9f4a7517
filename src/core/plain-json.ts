/** Deeper values are not checked (and so not sent as JSON): it also stops a cycle. */
const MAX_DEPTH = 32;

/**
 * True when JSON carries `value` exactly: `JSON.parse(JSON.stringify(value))` gives back an equal
 * value of the same shape. Finite numbers (not -0), strings, booleans, null, arrays without holes
 * or `undefined`, and objects whose prototype is Object.prototype and whose own values are all of
 * these. Anything else (undefined, NaN, BigInt, Date, Map, class instances, typed arrays...) is
 * not: JSON would change it.
 */
export function isPlainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i += 1) {
          // A hole reads as undefined: both would come back as null.
          if (!isPlainJson(value[i], depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false; // an inherited enumerable property: not plain
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
