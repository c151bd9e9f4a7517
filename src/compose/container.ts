import { ValidationError } from '../core/errors.js';

/**
 * Typed containers for task input and output: declared fields with a type check on every set, a
 * default (copied for each instance, never shared), a default factory and a doc string. A field
 * without a default is required: a task whose input misses one is not ready.
 */

/** One declared field. Build with {@link field}. */
export class Field<T> {
  #default: { value: T } | undefined;
  #factory: (() => T) | undefined;
  #doc: string | undefined;

  /** @internal */
  constructor(
    /** What the field holds, for error messages ("an integer"). */
    readonly expected: string,
    readonly accepts: (value: unknown) => boolean,
  ) {}

  /** A default value, deep-copied for every container (a default array is never shared). */
  default(value: T): Field<T> {
    const next = this.#copy();
    next.#default = { value };
    return next;
  }

  /** A function that makes the default value of each container. */
  defaultFactory(factory: () => T): Field<T> {
    const next = this.#copy();
    next.#factory = factory;
    return next;
  }

  /** What the field means, for `describe()`. */
  doc(text: string): Field<T> {
    const next = this.#copy();
    next.#doc = text;
    return next;
  }

  get documentation(): string | undefined {
    return this.#doc;
  }

  get required(): boolean {
    return this.#default === undefined && this.#factory === undefined;
  }

  /** @internal A fresh default value, or `undefined` when the field is required. */
  initial(): T | undefined {
    if (this.#factory) return this.#factory();
    return this.#default === undefined ? undefined : cloneValue(this.#default.value);
  }

  #copy(): Field<T> {
    const next = new Field<T>(this.expected, this.accepts);
    next.#default = this.#default;
    next.#factory = this.#factory;
    next.#doc = this.#doc;
    return next;
  }
}

/** Field builders: `field.number().default(10)`, `field.integer()`, `field.instanceOf(Date)`, ... */
export const field = {
  number: (): Field<number> => new Field('a number', (v) => typeof v === 'number'),
  integer: (): Field<number> => new Field('an integer', (v) => Number.isInteger(v)),
  string: (): Field<string> => new Field('a string', (v) => typeof v === 'string'),
  boolean: (): Field<boolean> => new Field('a boolean', (v) => typeof v === 'boolean'),
  bigint: (): Field<bigint> => new Field('a bigint', (v) => typeof v === 'bigint'),
  array: <T = unknown>(): Field<T[]> => new Field('an array', (v) => Array.isArray(v)),
  object: <T extends object = Record<string, unknown>>(): Field<T> =>
    new Field('an object', (v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
  function: <T extends Function = Function>(): Field<T> => new Field('a function', (v) => typeof v === 'function'),
  instanceOf: <T>(type: abstract new (...args: never[]) => T): Field<T> => new Field(`an instance of ${type.name}`, (v) => v instanceof type),
  any: <T = unknown>(): Field<T> => new Field('anything', () => true),
};

type Schema = Record<string, Field<unknown>>;

/** Names a field cannot take: the container's own methods. */
const RESERVED = new Set(['missing', 'check', 'toJSON', 'clone', 'constructor']);
type FieldValues<S extends Schema> = { -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** What every container has besides its fields. */
export interface ContainerBase {
  /** Names of required fields that are not set. */
  missing(): string[];
  /** Throws a {@link ValidationError} naming the first missing required field. */
  check(): void;
  /** The fields and their values. */
  toJSON(): Record<string, unknown>;
  /** A deep copy (values that cannot be cloned, such as functions, are shared). */
  clone(): this;
}

export type Container<S extends Schema> = FieldValues<S> & ContainerBase;

export interface ContainerClass<S extends Schema> {
  new (values?: Partial<FieldValues<S>>): Container<S>;
  readonly schema: S;
  /** Each field's type, default and doc, e.g. for help output. */
  describe(): Array<{ name: string; expected: string; required: boolean; doc?: string }>;
}

/**
 * Declares a container class:
 *
 * ```ts
 * const WaitInput = defineContainer('WaitInput', {
 *   time: field.number().default(10).doc('seconds per wait'),
 *   n: field.integer().default(10),
 * });
 * const input = new WaitInput();
 * input.n = 3;        // checked: input.n = 'x' throws a ValidationError naming WaitInput.n
 * ```
 */
export function defineContainer<S extends Schema>(name: string, schema: S): ContainerClass<S> {
  for (const key of Object.keys(schema)) {
    if (RESERVED.has(key) || key.startsWith('_')) {
      throw new ValidationError(`${name}: a field cannot be named '${key}' (reserved: ${[...RESERVED].join(', ')} and names starting with _)`);
    }
    if (!(schema[key] instanceof Field)) throw new ValidationError(`${name}.${key}: declare fields with field.number(), field.string(), ...`);
  }
  class DefinedContainer implements ContainerBase {
    static readonly schema = schema;
    readonly #values = new Map<string, unknown>();

    constructor(values: Record<string, unknown> = {}) {
      for (const [key, spec] of Object.entries(schema)) {
        const initial = spec.initial();
        if (initial !== undefined) this.#values.set(key, initial);
      }
      for (const [key, value] of Object.entries(values)) {
        if (!(key in schema)) throw new ValidationError(`${name} has no field '${key}'; its fields are: ${Object.keys(schema).join(', ')}`);
        this._set(key, value);
      }
    }

    static describe() {
      return Object.entries(schema).map(([key, spec]) => ({ name: key, expected: spec.expected, required: spec.required, doc: spec.documentation }));
    }

    missing(): string[] {
      return Object.entries(schema).filter(([key, spec]) => spec.required && !this.#values.has(key)).map(([key]) => key);
    }

    check(): void {
      const [first] = this.missing();
      if (first !== undefined) throw new ValidationError(`${name}.${first} is required but not set`);
    }

    toJSON(): Record<string, unknown> {
      return Object.fromEntries(this.#values);
    }

    clone(): this {
      const copy = new DefinedContainer() as this;
      for (const [key, value] of this.#values) copy._set(key, cloneValue(value));
      return copy;
    }

    /** @internal */
    _get(key: string): unknown {
      return this.#values.get(key);
    }

    /** @internal */
    _set(key: string, value: unknown): void {
      const spec = schema[key]!;
      if (value === undefined && spec.required) {
        this.#values.delete(key);
        return;
      }
      if (!spec.accepts(value)) {
        throw new ValidationError(`${name}.${key} must be ${spec.expected}, got ${describeValue(value)}`);
      }
      this.#values.set(key, value);
    }
  }
  Object.defineProperty(DefinedContainer, 'name', { value: name });
  for (const key of Object.keys(schema)) {
    Object.defineProperty(DefinedContainer.prototype, key, {
      get(this: DefinedContainer) {
        return this._get(key);
      },
      set(this: DefinedContainer, value: unknown) {
        this._set(key, value);
      },
      enumerable: true,
    });
  }
  return DefinedContainer as unknown as ContainerClass<S>;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : `an object (${value.constructor?.name ?? 'Object'})`;
}

/**
 * A deep copy of plain data (objects, arrays, Map, Set, Date, typed arrays); class instances,
 * functions and tasks are shared, since copying them would lose their class.
 */
export function cloneValue<T>(value: T, seen = new Map<unknown, unknown>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value) as T;
  let copy: unknown;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    seen.set(value, items);
    for (const item of value) items.push(cloneValue(item, seen));
    copy = items;
  } else if (value instanceof Map) {
    const map = new Map();
    seen.set(value, map);
    for (const [key, item] of value) map.set(key, cloneValue(item, seen));
    copy = map;
  } else if (value instanceof Set) {
    const set = new Set();
    seen.set(value, set);
    for (const item of value) set.add(cloneValue(item, seen));
    copy = set;
  } else if (value instanceof Date) {
    copy = new Date(value.getTime());
  } else if (ArrayBuffer.isView(value)) {
    copy = structuredClone(value);
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const record: Record<string, unknown> = {};
    seen.set(value, record);
    for (const [key, item] of Object.entries(value)) record[key] = cloneValue(item, seen);
    copy = record;
  }
  seen.set(value, copy);
  return copy as T;
}
