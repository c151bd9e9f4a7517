/**
 * Ports: the declared inputs and outputs of a process, nested in namespaces. A port may have a
 * validator (any Standard Schema validator, e.g. a zod schema, or a plain function), a help string,
 * and a default; validation errors name the port by its dotted path (`inputs.input2.input2a`).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JsonObject, JsonValue } from '../persistence/bundle.js';
import { PortValidationError, ProcessDefinitionError, RequiredPortError, UnknownPortError } from './errors.js';
import { isPlainObject } from './json.js';

/**
 * A plain validator: returns nothing (or `true`) when the value is valid, and an error message (or
 * `false`) when it is not. Throwing counts as invalid, with the thrown error as the cause.
 */
export type ValidatorFunction = (value: unknown) => string | boolean | undefined | void;

/** A Standard Schema validator (zod, valibot, arktype, ...) or a {@link ValidatorFunction}. */
export type Validator = StandardSchemaV1 | ValidatorFunction;

/** Options of `spec.input` / `spec.output`. */
export interface PortOptions {
  /**
   * Checks the value; validators check, they never replace the value (the process gets what it was
   * given, so a checkpoint stores exactly that). Must be synchronous.
   * @default no check
   */
  validator?: Validator;
  /**
   * What the port is for, shown by `getDescription()`.
   * @default none
   */
  help?: string;
  /**
   * Whether a value must be given.
   * @default true, or false when the port has a `default`
   */
  required?: boolean;
  /**
   * Value used when none is given (inputs only): a value, copied for each process, or a function
   * called for each process. Should be JSON if the process is persisted.
   * @default none
   */
  default?: unknown;
}

/** Options of `spec.inputNamespace` / `spec.outputNamespace`. */
export interface NamespaceOptions {
  /**
   * What the namespace is for, shown by `getDescription()`.
   * @default none
   */
  help?: string;
  /**
   * `true`: the namespace itself must be given. `false`: it may be left out, and then none of its
   * ports (not even defaulted ones) are filled in.
   * @default given or not, its ports' own `required` and `default` decide
   */
  required?: boolean;
  /**
   * Accept keys that are not declared ports (each checked by `valueValidator`).
   * @default false: an undeclared key is an UnknownPortError
   */
  dynamic?: boolean;
  /**
   * Checks the whole namespace value, after its ports were checked.
   * @default no check
   */
  validator?: Validator;
  /**
   * Checks each undeclared value of a dynamic namespace.
   * @default no check
   */
  valueValidator?: Validator;
}

export class Port {
  readonly kind = 'port';

  constructor(readonly name: string, readonly options: Readonly<PortOptions> = {}) {}

  get hasDefault(): boolean {
    return Object.hasOwn(this.options, 'default') && this.options.default !== undefined;
  }

  get required(): boolean {
    return this.options.required ?? !this.hasDefault;
  }

  /** A fresh default value: a function default is called, any other is deep-copied. */
  defaultValue(): unknown {
    const value = this.options.default;
    return typeof value === 'function' ? (value as () => unknown)() : structuredClone(value);
  }
}

export class PortNamespace {
  readonly kind = 'namespace';
  readonly #ports = new Map<string, Port | PortNamespace>();
  #sealed = false;
  #options: Readonly<NamespaceOptions>;

  constructor(readonly name: string, options: Readonly<NamespaceOptions> = {}) {
    this.#options = options;
  }

  get options(): Readonly<NamespaceOptions> {
    return this.#options;
  }

  /** Changes the namespace's options in `define` (e.g. `spec.outputs.configure({ dynamic: true })`). */
  configure(options: NamespaceOptions): void {
    if (this.#sealed) throw new ProcessDefinitionError(`cannot configure ${this.name}: the spec is sealed once define() has returned`);
    checkValidator(options.validator, `${this.name}.configure()`);
    checkValidator(options.valueValidator, `${this.name}.configure()`);
    this.#options = { ...this.#options, ...options };
  }

  get dynamic(): boolean {
    return this.options.dynamic ?? false;
  }

  /** Whether a value must be given for the namespace: explicitly, or because a port in it is required. */
  get required(): boolean {
    return this.options.required ?? [...this.#ports.values()].some((port) => port.required);
  }

  /** The ports directly in this namespace, in declaration order. */
  get ports(): ReadonlyMap<string, Port | PortNamespace> {
    return this.#ports;
  }

  /** The port or namespace at a dotted path (`input2.input2a`), if declared. */
  get(path: string): Port | PortNamespace | undefined {
    const [first, ...rest] = path.split('.');
    const port = this.#ports.get(first!);
    if (rest.length === 0 || port === undefined) return port;
    return port instanceof PortNamespace ? port.get(rest.join('.')) : undefined;
  }

  /** Declares a port at a dotted path, creating the namespaces on the way. */
  add(path: string, make: (name: string) => Port | PortNamespace): Port | PortNamespace {
    if (this.#sealed) throw new ProcessDefinitionError(`cannot declare ${this.name}.${path}: the spec is sealed once define() has returned`);
    const segments = path.split('.');
    if (segments.some((segment) => !/^[A-Za-z_$][\w$]*$/.test(segment))) {
      throw new ProcessDefinitionError(`invalid port name "${path}": use identifiers separated by dots, e.g. "input2.input2a"`);
    }
    return this.#addAt(segments, path, make);
  }

  #addAt(segments: string[], path: string, make: (name: string) => Port | PortNamespace): Port | PortNamespace {
    const [name, ...rest] = segments as [string, ...string[]];
    const existing = this.#ports.get(name);
    if (rest.length > 0) {
      if (existing instanceof Port) throw new ProcessDefinitionError(`cannot declare ${path}: ${name} is a port, not a namespace`);
      const ns = existing ?? new PortNamespace(name);
      this.#ports.set(name, ns);
      return ns.#addAt(rest, path, make);
    }
    if (existing !== undefined) throw new ProcessDefinitionError(`the port ${path} is declared twice`);
    const port = make(name);
    this.#ports.set(name, port);
    return port;
  }

  seal(): void {
    this.#sealed = true;
    for (const port of this.#ports.values()) if (port instanceof PortNamespace) port.seal();
  }

  /** JSON description of the namespace and its ports, for `spec.getDescription()`. */
  describe(): JsonObject {
    const attrs: JsonObject = { dynamic: this.dynamic, required: this.required };
    if (this.options.help !== undefined) attrs.help = this.options.help;
    if (this.options.validator !== undefined) attrs.validator = describeValidator(this.options.validator);
    const out: JsonObject = { _attrs: attrs };
    for (const [name, port] of this.#ports) out[name] = port instanceof PortNamespace ? port.describe() : describePort(port);
    return out;
  }
}

function describePort(port: Port): JsonObject {
  const out: JsonObject = { name: port.name, required: port.required };
  if (port.options.help !== undefined) out.help = port.options.help;
  if (port.hasDefault) {
    const value = port.options.default;
    // An arrow in an object literal is named after its key ("default"): that name says nothing.
    const named = typeof value === 'function' && value.name !== '' && value.name !== 'default';
    out.default = typeof value === 'function' ? (named ? `<computed by ${value.name}>` : '<computed>') : (structuredClone(value) as JsonValue);
  }
  if (port.options.validator !== undefined) out.validator = describeValidator(port.options.validator);
  return out;
}

function describeValidator(validator: Validator): string {
  if (typeof validator === 'function') return validator.name ? `function ${validator.name}` : 'function';
  return `${validator['~standard'].vendor} schema`;
}

/** Checks that `validator` is one (at declaration time, so a typo is found early). */
export function checkValidator(validator: unknown, where: string): void {
  if (validator === undefined || typeof validator === 'function') return;
  const standard = (validator as Partial<StandardSchemaV1> | null)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new ProcessDefinitionError(`${where}: validator must be a Standard Schema validator (e.g. a zod schema) or a function`);
  }
}

/** Runs a validator; a PortValidationError naming `path` if the value is invalid. */
export function runValidator(validator: Validator, value: unknown, path: string): void {
  if (typeof validator === 'function') {
    let verdict: ReturnType<ValidatorFunction>;
    try {
      verdict = validator(value);
    } catch (error) {
      throw new PortValidationError(`${path} is invalid: ${error instanceof Error ? error.message : String(error)}`, { path, cause: error });
    }
    if (typeof verdict === 'string') throw new PortValidationError(`${path} is invalid: ${verdict}`, { path });
    if (verdict === false) throw new PortValidationError(`${path} is invalid: rejected by its validator${validator.name ? ` ${validator.name}` : ''}`, { path });
    return;
  }
  const result = validator['~standard'].validate(value);
  if (result instanceof Promise) {
    result.catch(() => undefined);
    throw new ProcessDefinitionError(`the validator of ${path} is asynchronous; port validators must be synchronous (inputs are checked when the process is created)`);
  }
  if (result.issues) {
    const issues = result.issues.map((issue) => ({ message: issue.message, path: issue.path?.map((p) => (typeof p === 'object' ? p.key : p)) }));
    const text = issues.map((issue) => (issue.path?.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
    throw new PortValidationError(`${path} is invalid: ${text}`, { path, issues });
  }
}

/** What {@link validateNamespace} does. */
export interface ValidateOptions {
  /** Fill in defaults of absent ports. */
  defaults: boolean;
  /** Report absent required ports. */
  required: boolean;
  /** Run validators. */
  validators: boolean;
  /** Names the process class in messages. */
  owner: string;
}

/**
 * Validates a namespace value and returns a copy with defaults filled in. Throws the first problem
 * found, as a PortValidationError (or UnknownPortError, RequiredPortError) naming its path.
 */
export function validateNamespace(ns: PortNamespace, value: unknown, path: string, options: ValidateOptions): Record<string, unknown> | undefined {
  if (value === undefined) {
    if (ns.options.required === false) return undefined;
    if (ns.options.required === true && options.required) throw new RequiredPortError(`${path} is required by ${options.owner}`, { path });
    value = {};
  }
  if (typeof value !== 'object' || value === null || !isPlainObject(value)) {
    throw new PortValidationError(`${path} is a namespace and needs a plain object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`, { path });
  }
  const given = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(given)) {
    if (item === undefined) continue;
    const port = ns.ports.get(key);
    const at = `${path}.${key}`;
    if (port === undefined) {
      if (!ns.dynamic) {
        const known = [...ns.ports.keys()];
        throw new UnknownPortError(
          `${at} is not a port of ${options.owner}; ${known.length ? `the ports of ${path} are: ${known.join(', ')}` : `${path} has no ports`}`,
          { path: at },
        );
      }
      if (options.validators && ns.options.valueValidator !== undefined) runValidator(ns.options.valueValidator, item, at);
      out[key] = item;
    } else if (port instanceof PortNamespace) {
      const nested = validateNamespace(port, item, at, options);
      if (nested !== undefined) out[key] = nested;
    } else {
      if (options.validators && port.options.validator !== undefined) runValidator(port.options.validator, item, at);
      out[key] = item;
    }
  }
  for (const [key, port] of ns.ports) {
    if (Object.hasOwn(out, key)) continue;
    const at = `${path}.${key}`;
    if (port instanceof PortNamespace) {
      const nested = validateNamespace(port, undefined, at, options);
      if (nested !== undefined && (Object.keys(nested).length > 0 || port.options.required === true)) out[key] = nested;
    } else if (options.defaults && port.hasDefault) {
      const item = port.defaultValue();
      if (options.validators && port.options.validator !== undefined) runValidator(port.options.validator, item, at);
      out[key] = item;
    } else if (port.required && options.required) {
      throw new RequiredPortError(`${at} is required by ${options.owner}`, { path: at });
    }
  }
  if (options.validators && ns.options.validator !== undefined) runValidator(ns.options.validator, out, path);
  return out;
}
