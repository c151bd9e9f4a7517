// Curated public API: what users write against. Internals stay internal.
export {
  TaskfarmError, TaskError, WorkerCrashedError, TaskTimeoutError, CancelledError, TaskDefinitionError,
  ValidationError, ExecutorClosedError, WorkerStartError, PlacementError, registerErrorClass,
} from './core/errors.js';
export type { TaskfarmErrorOptions } from './core/errors.js';
export { serializeError, deserializeError } from './core/error-codec.js';
export type { SerializedError } from './core/error-codec.js';
export { Future } from './core/future.js';
export type { FutureState, TaskResult, TaskSuccess, TaskFailure, TaskResultMeta } from './core/future.js';

export { defineTask, parseTaskReference } from './task/define.js';
export type { TaskFunction, TaskLike, TaskReference, DefineTaskOptions } from './task/define.js';
export { taskContext } from './executors/runtime/context.js';
export type { TaskContext } from './executors/runtime/context.js';

export type {
  Executor, SubmitOptions, MapOptions, ShutdownOptions, RetryOptions, Backoff, BackoffPolicy, WorkerInfo,
  ExecutorStats, DurationSummary,
} from './executors/types.js';
export { InlineExecutor, AsyncExecutor } from './executors/local.js';
export type { InlineExecutorOptions, AsyncExecutorOptions } from './executors/local.js';
export { ThreadExecutor } from './executors/threads.js';
export type { ThreadExecutorOptions } from './executors/threads.js';
export { ProcessExecutor } from './executors/processes.js';
export type { ProcessExecutorOptions } from './executors/processes.js';
export type { PoolOptions } from './executors/pool/pool-options.js';
