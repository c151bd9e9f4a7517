/**
 * One error hierarchy for every face and backend. Each class has a stable `code` so callers can
 * branch on it without `instanceof` (which breaks across realms), and each is registered so that the
 * error codec can rebuild it with its class after it crossed a thread, a process or Redis.
 */

/** Options every taskfarm error accepts. */
export interface TaskfarmErrorOptions {
  /** The error that led to this one. */
  cause?: unknown;
}

export class TaskfarmError extends Error {
  /** Stable, machine-readable identifier of the error kind. */
  readonly code: string = 'ERR_TASKFARM';

  constructor(message: string, options?: TaskfarmErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * An error thrown by user code inside a task. `name` is the original error's name (e.g. `RangeError`
 * or a custom subclass), `stack` the remote stack; `thrown` is set when the task threw a non-Error.
 */
export class TaskError extends TaskfarmError {
  override readonly code: string = 'ERR_TASK_FAILED';
  // `declare`: set only when there is something to say, so they do not show as `undefined`.
  /** The value that was thrown, when it was not an Error (a string, `undefined`, an object...). */
  declare thrown?: unknown;
  /** Own enumerable properties of the original error (e.g. a system error's `code` or `errno`). */
  declare details?: Record<string, unknown>;

  constructor(message: string, options?: TaskfarmErrorOptions & { name?: string; thrown?: unknown; details?: Record<string, unknown> }) {
    super(message, options);
    if (options?.name) this.name = options.name;
    if (options && 'thrown' in options) this.thrown = options.thrown;
    if (options?.details) this.details = options.details;
  }
}

/** The worker running the task died (exit, uncaught error, out of memory, killed by a signal). */
export class WorkerCrashedError extends TaskfarmError {
  override readonly code: string = 'ERR_WORKER_CRASHED';
  /** Id of the worker that died. */
  workerId?: string;
  /** Exit code of the thread or process, when it exited. */
  exitCode?: number | null;
  /** Signal that killed the child process, when one did. */
  signal?: string | null;
  /** Why it died, as far as can be told: `out-of-memory` when it hit its heap limit. */
  reason?: WorkerExitReason;

  constructor(message: string, options?: TaskfarmErrorOptions & { workerId?: string; exitCode?: number | null; signal?: string | null; reason?: WorkerExitReason }) {
    super(message, options);
    this.workerId = options?.workerId;
    this.exitCode = options?.exitCode;
    this.signal = options?.signal;
    this.reason = options?.reason;
  }
}

/** How a worker died. A child aborting (SIGABRT, exit 134) is counted as out of memory, its usual cause. */
export type WorkerExitReason = 'out-of-memory' | 'signal' | 'uncaught-error' | 'exit';

/** The task ran longer than its `timeout`; it was aborted and, if it did not stop, its worker was killed. */
export class TaskTimeoutError extends TaskfarmError {
  override readonly code: string = 'ERR_TASK_TIMEOUT';
  /** The timeout that was exceeded, in milliseconds. */
  timeout?: number;

  constructor(message: string, options?: TaskfarmErrorOptions & { timeout?: number }) {
    super(message, options);
    this.timeout = options?.timeout;
  }
}

/** The task was cancelled (by `future.cancel()`, an AbortSignal or a shutdown) before it finished. */
export class CancelledError extends TaskfarmError {
  override readonly code: string = 'ERR_CANCELLED';
}

/**
 * The task cannot be sent to a worker or loaded there: a closure, an unknown module or export, an
 * argument that cannot be cloned. The message names the problem and the fix.
 */
export class TaskDefinitionError extends TaskfarmError {
  override readonly code: string = 'ERR_TASK_DEFINITION';
}

/** An option or argument given to taskfarm itself is invalid. */
export class ValidationError extends TaskfarmError {
  override readonly code: string = 'ERR_VALIDATION';
}

/** The executor was shut down; it takes no more work. */
export class ExecutorClosedError extends TaskfarmError {
  override readonly code: string = 'ERR_EXECUTOR_CLOSED';
}

/** Workers fail to start again and again; the pool stops trying instead of looping. */
export class WorkerStartError extends TaskfarmError {
  override readonly code: string = 'ERR_WORKER_START';
}

/** No worker can run the task: its `where` predicate rejects every worker there is or can be. */
export class PlacementError extends TaskfarmError {
  override readonly code: string = 'ERR_PLACEMENT';
}

/** The task waited in the queue longer than its `queueTimeout` without starting; it never ran. */
export class QueueTimeoutError extends TaskfarmError {
  override readonly code: string = 'ERR_QUEUE_TIMEOUT';
  /** The queue timeout that was exceeded, in milliseconds. */
  queueTimeout?: number;

  constructor(message: string, options?: TaskfarmErrorOptions & { queueTimeout?: number }) {
    super(message, options);
    this.queueTimeout = options?.queueTimeout;
  }
}

type ErrorClass = new (message: string, options?: never) => TaskfarmError;

const classesByName = new Map<string, ErrorClass>();
const namesByClass = new Map<Function, string>();

/**
 * Registers an error class so that the codec rebuilds it with its class after it crossed a boundary.
 * The class must be registered under the same name on both sides (import it in the task module).
 */
export function registerErrorClass(errorClass: ErrorClass, name: string = errorClass.name): void {
  classesByName.set(name, errorClass);
  namesByClass.set(errorClass, name);
}

/** The registered class for a name, if any. */
export function errorClassFor(name: string): ErrorClass | undefined {
  return classesByName.get(name);
}

/** The name an error's own class was registered under, if it was. */
export function registeredNameOf(error: Error): string | undefined {
  return namesByClass.get(Object.getPrototypeOf(error)?.constructor);
}

for (const errorClass of [
  TaskfarmError, TaskError, WorkerCrashedError, TaskTimeoutError, CancelledError,
  TaskDefinitionError, ValidationError, ExecutorClosedError, WorkerStartError, PlacementError, QueueTimeoutError,
] as ErrorClass[]) {
  registerErrorClass(errorClass);
}
