import type { TransferListItem } from 'node:worker_threads';
import type { Future, TaskResult } from '../core/future.js';
import type { TaskLike } from '../task/define.js';

/** Delay before a retry: a policy, or a function of the attempt that failed (1-based) and its error. */
export type Backoff = BackoffPolicy | ((attempt: number, error: Error) => number);

export interface BackoffPolicy {
  /**
   * `fixed` waits `delay` every time; `exponential` waits `delay * 2^(attempt-1)`.
   * @default 'exponential'
   */
  type?: 'fixed' | 'exponential';
  /**
   * Base delay in milliseconds.
   * @default 100
   */
  delay?: number;
  /**
   * Upper bound of any delay, in milliseconds.
   * @default 30000
   */
  maxDelay?: number;
  /**
   * Randomizes each delay by up to this fraction (0.2 = ±20%), so that retries of many tasks that
   * failed together do not hit a recovering service at the same instant.
   * @default 0
   */
  jitter?: number;
}

export interface RetryOptions {
  /** Total attempts, the first included (`attempts: 3` = up to 2 retries). An integer >= 1. */
  attempts: number;
  /**
   * Delay between attempts.
   * @default { type: 'exponential', delay: 100, maxDelay: 30000, jitter: 0 }
   */
  backoff?: Backoff;
  /**
   * Decides whether an error is worth another attempt. Cancellations and task definition errors
   * are never retried, whatever this says.
   * @default every other error is retried
   */
  retryOn?: (error: Error, attempt: number) => boolean;
}

/** The worker a placement predicate looks at. */
export interface WorkerInfo {
  /** Unique id; a replacement worker gets a new one. */
  id: string;
  /** Free-form properties (set at creation, changeable with `setWorkerProperties`). */
  properties: Readonly<Record<string, unknown>>;
  /** Tasks sent to the worker and not finished (running or waiting there). */
  inFlight: number;
  /** True while the worker holds tasks. */
  busy: boolean;
  /** Tasks it finished successfully. */
  done: number;
  /** Tasks that failed on it. */
  failed: number;
  /** `inline`, `async`, `thread` or `process`. */
  runtime: string;
  /** Process id (child processes) or thread id (threads). */
  systemId?: number;
}

/**
 * The host side of a task's messages: a running task calls `this.send(message)` or
 * `await this.request(message)` (or the same on `taskContext()`), and these handle them.
 */
export interface TaskMessages {
  /** A message the task sent. Its errors are rethrown asynchronously, never into the task. */
  message?(message: unknown): void;
  /** A request the task made: what this returns (or resolves to) answers it; a throw rejects it. */
  request?(message: unknown): unknown;
}

export interface SubmitOptions {
  /**
   * Run time limit in milliseconds. When it passes, the task's signal is aborted; if the task has not
   * stopped after a short grace, its thread is terminated or its process killed (SIGTERM, then
   * SIGKILL), the task fails with `TaskTimeoutError` and the worker is replaced.
   * @default no limit
   */
  timeout?: number;
  /**
   * How long the task may wait in the queue before its first attempt starts, in milliseconds. When
   * it passes, the task is removed and fails with `QueueTimeoutError` (it never ran). Waiting for a
   * retry does not count.
   * @default no limit
   */
  queueTimeout?: number;
  /**
   * Retry policy.
   * @default no retries
   */
  retry?: RetryOptions;
  /**
   * Higher runs first; equal priorities run in submission order.
   * @default 0
   */
  priority?: number;
  /** Aborting it cancels the task (removed if queued, stopped if running). */
  signal?: AbortSignal;
  /**
   * Places the task only on workers for which this returns true (a predicate that throws counts as
   * false). The task waits while no worker matches, since properties can change.
   * @default any worker
   */
  where?: (worker: WorkerInfo) => boolean;
  /** Values (ArrayBuffers, ports) to move to the worker rather than copy: threads only. */
  transfer?: TransferListItem[];
  /**
   * Handles the messages and requests the running task sends to this side.
   * @default messages are dropped; requests fail with a clear error
   */
  messages?: TaskMessages;
}

export interface MapOptions extends SubmitOptions {
  /**
   * `true` yields results in input order; `false` as they complete.
   * @default true
   */
  ordered?: boolean;
  /**
   * How many tasks may be submitted ahead of the consumer, so huge or endless inputs stay bounded.
   * @default 4096
   */
  lookahead?: number;
}

export interface ShutdownOptions {
  /**
   * `true` lets queued and running work finish; `false` stops running work (threads terminated,
   * processes killed) and cancels the rest.
   * @default true
   */
  wait?: boolean;
  /**
   * Cancel tasks that have not started (they fail with `CancelledError`).
   * @default false
   */
  cancelPending?: boolean;
}

/** Distribution of a duration, in milliseconds. */
export interface DurationSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface ExecutorStats {
  /** Waiting to be sent to a worker (including tasks waiting for a retry). */
  queued: number;
  /** Sent to a worker and not finished. */
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Attempts that failed and were tried again. */
  retried: number;
  /** Time from the start to the end of each attempt. */
  runTime: DurationSummary;
  /** Time from submission to the start of the first attempt. */
  waitTime: DurationSummary;
}

/**
 * Runs tasks somewhere: in the caller (inline), on the main event loop (async), on threads, in
 * child processes, or on remote engines. Every face of taskfarm works over any Executor.
 */
export interface Executor extends AsyncDisposable {
  /** Short name of the backend: `inline`, `async`, `threads`, `processes`, ... */
  readonly kind: string;
  /** True once `shutdown` was called. */
  readonly closed: boolean;
  /**
   * Queues a task. Throws at once for what can be known now (a closure, an invalid option, a closed
   * executor); anything that goes wrong later is the future's error.
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, args: A, options?: SubmitOptions): Future<Awaited<R>>;
  /**
   * Runs `task` on every input and yields each result (value or error, never thrown). Breaking out
   * of the loop cancels what is left.
   */
  map<A, R>(task: TaskLike<[A], R>, inputs: Iterable<A> | AsyncIterable<A>, options?: MapOptions): AsyncIterable<TaskResult<Awaited<R>>>;
  shutdown(options?: ShutdownOptions): Promise<void>;
  workers(): WorkerInfo[];
  /** Replaces the properties of a worker (placement looks at them). Unknown id: `ValidationError`. */
  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void;
  stats(): ExecutorStats;
}
