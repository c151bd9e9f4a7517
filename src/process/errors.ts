/**
 * Errors of processes and work chains. Each has a stable `code` and is registered with the error
 * codec, so it keeps its class in a checkpoint (an EXCEPTED process stores its error) and across
 * threads and processes.
 */
import { TaskfarmError, ValidationError, registerErrorClass, type TaskfarmErrorOptions } from '../core/errors.js';

/** Base of the process errors. */
export class ProcessError extends TaskfarmError {
  override readonly code: string = 'ERR_PROCESS';
}

/**
 * An operation the process's current state does not allow: `resume()` on a process that is not
 * WAITING, `result()` before it terminated, `out()` or `toContext()` outside a step.
 */
export class ProcessStateError extends ProcessError {
  override readonly code: string = 'ERR_PROCESS_STATE';
}

/**
 * A step returned a command that cannot be applied where it was returned: a Continue or Wait whose
 * step is not a method of the process, a Continue or Wait from a work chain step (the outline
 * decides what runs next there), or a value that is not a command where only commands are allowed.
 */
export class InvalidCommandError extends ProcessError {
  override readonly code: string = 'ERR_PROCESS_COMMAND';
}

/** The process was killed; `execute()` rejects with this error and `result()` throws it. */
export class KilledError extends ProcessError {
  override readonly code: string = 'ERR_PROCESS_KILLED';
}

/**
 * A process class is defined wrongly: `define` did not call `super.define`, a port is declared
 * twice, an outline entry is not a method, two saved classes share a name.
 */
export class ProcessDefinitionError extends ProcessError {
  override readonly code: string = 'ERR_PROCESS_DEFINITION';
}

/** A value cannot go into a checkpoint (it is not JSON); `path` says where it is, e.g. `ctx.result.when`. */
export class NotSerializableError extends ProcessError {
  override readonly code: string = 'ERR_PROCESS_NOT_SERIALIZABLE';
  declare path?: string;

  constructor(message: string, options?: TaskfarmErrorOptions & { path?: string }) {
    super(message, options);
    if (options?.path !== undefined) this.path = options.path;
  }
}

/** Something a work chain waited on (a child process, a future, a promise) failed; `key` is its ctx key. */
export class AwaitableError extends ProcessError {
  override readonly code: string = 'ERR_PROCESS_AWAITABLE';
  declare key?: string;

  constructor(message: string, options?: TaskfarmErrorOptions & { key?: string }) {
    super(message, options);
    if (options?.key !== undefined) this.key = options.key;
  }
}

/** Options of the port errors. */
export interface PortErrorOptions extends TaskfarmErrorOptions {
  /** Dotted path of the port, from `inputs` or `outputs`, e.g. `inputs.input2.input2a`. */
  path?: string;
  /** The validator's issues, when a Standard Schema validator rejected the value. */
  issues?: readonly { message: string; path?: readonly unknown[] | undefined }[];
}

/** A value does not pass its port's validator. */
export class PortValidationError extends ValidationError {
  override readonly code: string = 'ERR_PORT_INVALID';
  declare path?: string;
  declare issues?: readonly { message: string; path?: readonly unknown[] | undefined }[];

  constructor(message: string, options?: PortErrorOptions) {
    super(message, options);
    if (options?.path !== undefined) this.path = options.path;
    if (options?.issues !== undefined) this.issues = options.issues;
  }
}

/** A value was given for a port the spec does not declare (in a namespace that is not dynamic). */
export class UnknownPortError extends PortValidationError {
  override readonly code: string = 'ERR_PORT_UNKNOWN';
}

/** A required port has no value. */
export class RequiredPortError extends PortValidationError {
  override readonly code: string = 'ERR_PORT_REQUIRED';
}

for (const errorClass of [
  ProcessError, ProcessStateError, InvalidCommandError, KilledError, ProcessDefinitionError,
  NotSerializableError, AwaitableError, PortValidationError, UnknownPortError, RequiredPortError,
]) registerErrorClass(errorClass);
