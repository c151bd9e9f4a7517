/**
 * The checkpoint format: a versioned JSON document naming the process class by its registered name.
 * Persisters store bundles without knowing what a process is; process classes register here and
 * rebuild themselves from a bundle (`fromBundle`), so persistence/ never imports process/.
 */
import { CorruptCheckpointError, UnknownProcessClassError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const BUNDLE_FORMAT = 'taskfarm.process';
/** The bundle version this build writes and reads. */
export const BUNDLE_VERSION = 1;

/** One checkpoint of one process. */
export interface ProcessBundle {
  format: typeof BUNDLE_FORMAT;
  version: number;
  /** Registered name of the process class. */
  className: string;
  pid: string;
  /** When the bundle was made (ISO 8601). */
  savedAt: string;
  /** Everything the class needs to rebuild the instance; the class alone knows its layout. */
  state: JsonObject;
}

/** What a persister can checkpoint: a live process. */
export interface Savable {
  readonly pid: string;
  save(): ProcessBundle;
}

/** Options passed through `unbundle` to the class's `fromBundle` (e.g. a persister, a communicator). */
export type UnbundleOptions = Record<string, unknown>;

/** A process class as the registry sees it. */
export interface RestorableClass<T = unknown> {
  fromBundle(bundle: ProcessBundle, options?: UnbundleOptions): T | Promise<T>;
}

/** Makes a bundle of the current format and version, stamped now; for `save()` implementations. */
export function createBundle(className: string, pid: string, state: JsonObject): ProcessBundle {
  return { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, className, pid, savedAt: new Date().toISOString(), state };
}

const registry = new Map<string, RestorableClass>();

/**
 * Make `cls` loadable from bundles under `name`. Registering the same class twice is harmless;
 * a different class under a taken name is an error (two classes would fight over checkpoints).
 */
export function registerProcessClass(name: string, cls: RestorableClass): void {
  if (typeof name !== 'string' || name === '') throw new TypeError(`registerProcessClass: name must be a non-empty string, got ${describe(name)}`);
  if (typeof (cls as Partial<RestorableClass> | undefined)?.fromBundle !== 'function') {
    throw new TypeError(`registerProcessClass("${name}"): the class must have a static fromBundle(bundle, options) method`);
  }
  const existing = registry.get(name);
  if (existing && existing !== cls) throw new TypeError(`a different process class is already registered as "${name}"`);
  registry.set(name, cls);
}

/** The class registered under `name`, if any. */
export function registeredProcessClass(name: string): RestorableClass | undefined {
  return registry.get(name);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Why `value` (parsed JSON) is not a bundle this build can read, or `undefined` if it is one.
 * Shared by reading (→ CorruptCheckpointError) and saving (→ CheckpointSaveError), so a persister
 * never stores what it could not load back.
 */
export function bundleProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected an object, got ${describe(value)}`;
  const b = value as Record<string, unknown>;
  if (b.format !== BUNDLE_FORMAT) return `"format" is ${JSON.stringify(b.format) ?? 'undefined'}, expected "${BUNDLE_FORMAT}"`;
  if (b.version !== BUNDLE_VERSION) {
    return `bundle version ${JSON.stringify(b.version) ?? 'undefined'} is not supported (this build reads version ${BUNDLE_VERSION})`;
  }
  for (const key of ['className', 'pid', 'savedAt'] as const) {
    if (typeof b[key] !== 'string' || b[key] === '') return `"${key}" must be a non-empty string, got ${describe(b[key])}`;
  }
  if (typeof b.state !== 'object' || b.state === null || Array.isArray(b.state)) return `"state" must be an object, got ${describe(b.state)}`;
  return undefined;
}

/** Checks that `value` (parsed JSON or a JSON string) is a bundle this build can read. */
export function parseBundle(value: unknown, where?: { pid?: string; tag?: string }): ProcessBundle {
  const fail = (why: string, cause?: unknown): never => {
    const at = where?.pid === undefined ? '' : ` for process ${JSON.stringify(where.pid)}${where.tag === undefined ? '' : ` (tag ${JSON.stringify(where.tag)})`}`;
    throw new CorruptCheckpointError(`checkpoint${at} is not a valid bundle: ${why}`, { cause, ...where });
  };
  if (typeof value === 'string') {
    try { value = JSON.parse(value); } catch (error) { fail('it is not JSON', error); }
  }
  const problem = bundleProblem(value);
  if (problem !== undefined) fail(problem);
  return value as ProcessBundle;
}

/** Rebuilds a live process from a bundle through its registered class. */
export async function unbundle<T = unknown>(bundle: ProcessBundle, options?: UnbundleOptions): Promise<T> {
  const valid = parseBundle(bundle);
  const cls = registry.get(valid.className);
  if (!cls) {
    const known = [...registry.keys()].sort();
    throw new UnknownProcessClassError(
      `no process class is registered as "${valid.className}" (known: ${known.length ? known.join(', ') : 'none'}); import the module that defines it, or call registerProcessClass`,
      { pid: valid.pid },
    );
  }
  return (await cls.fromBundle(valid, options)) as T;
}
