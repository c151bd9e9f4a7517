import { deserializeError, serializeError } from '../core/error-codec.js';
import { CancelledError, ExecutorClosedError, PlacementError, TaskTimeoutError, ValidationError } from '../core/errors.js';
import type { Future, TaskResult } from '../core/future.js';
import { toTaskSpec, type TaskLike } from '../task/define.js';
import { loadTask } from '../task/loader.js';
import { Job } from './job.js';
import { mapWith } from './map.js';
import { positiveInteger, validateSubmitOptions } from './options.js';
import { PriorityQueue } from './pool/queue.js';
import { retryDelay } from './retry.js';
import { setCurrentContext, TaskContextImpl } from './runtime/context.js';
import { StatsRecorder } from './stats.js';
import type { Executor, ExecutorStats, MapOptions, ShutdownOptions, SubmitOptions, WorkerInfo } from './types.js';

class LocalJob<R = unknown> extends Job<R> {
  fn: Function | Promise<Function> | undefined;
  context: TaskContextImpl | undefined;
}

/**
 * Runs tasks in this thread: closures are fine (nothing is shipped), but running work cannot be
 * killed — a timeout or cancel aborts the task's signal and settles its future, and code that
 * ignores the signal runs on unobserved.
 */
abstract class LocalExecutor implements Executor {
  abstract readonly kind: string;
  readonly #concurrency: number;
  readonly #startInSubmit: boolean;
  readonly #queue = new PriorityQueue<LocalJob>((job) => job.phase === 'queued');
  readonly #backoff = new Set<LocalJob>();
  readonly #running = new Set<LocalJob>();
  readonly #stats = new StatsRecorder();
  #properties: Record<string, unknown>;
  #done = 0;
  #failed = 0;
  #closing = false;
  #pumping = false;
  #shutdown: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(concurrency: number, startInSubmit: boolean, properties: Record<string, unknown> = {}) {
    this.#concurrency = concurrency;
    this.#startInSubmit = startInSubmit;
    this.#properties = { ...properties };
  }

  get closed(): boolean {
    return this.#closing;
  }

  submit<A extends unknown[], R>(task: TaskLike<A, R>, args: A, options: SubmitOptions = {}): Future<Awaited<R>> {
    if (this.#closing) throw new ExecutorClosedError(`The ${this.kind} executor is shut down; it takes no more tasks`);
    if (!Array.isArray(args)) throw new ValidationError(`submit(task, args): args must be an array, got ${typeof args}`);
    validateSubmitOptions(options);
    const job = new LocalJob(args, options, this);
    const future = job as unknown as Future<Awaited<R>>;
    // A function runs as itself; a reference is loaded like a worker would, on first run.
    job.fn = typeof task === 'function' ? task : loadTask(toTaskSpec(task));
    if (job.fn instanceof Promise) job.fn.catch(() => undefined);
    const { where, signal } = options;
    if (where && !this.#matches(where)) {
      job.fail(new PlacementError(`Task ${job.id}: its 'where' rejects the only worker of the ${this.kind} executor`), this.#stats);
      return future;
    }
    if (signal) {
      if (signal.aborted) {
        job.fail(new CancelledError(`Task ${job.id} cancelled: its signal was already aborted`, { cause: signal.reason }), this.#stats);
        return future;
      }
      const onAbort = (): void => void job.cancel('cancelled by its signal');
      signal.addEventListener('abort', onAbort, { once: true });
      job.onSettled(() => signal.removeEventListener('abort', onAbort));
    }
    this.#queue.push(job, options.priority ?? 0);
    if (this.#startInSubmit) this.#pump();
    else queueMicrotask(() => this.#pump());
    return future;
  }

  map<A, R>(task: TaskLike<[A], R>, inputs: Iterable<A> | AsyncIterable<A>, options?: MapOptions): AsyncIterable<TaskResult<Awaited<R>>> {
    return mapWith(this, task, inputs, options);
  }

  workers(): WorkerInfo[] {
    return [{
      id: this.kind, properties: this.#properties, inFlight: this.#running.size, busy: this.#running.size > 0,
      done: this.#done, failed: this.#failed, runtime: this.kind,
    }];
  }

  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void {
    if (workerId !== this.kind) throw new ValidationError(`No worker '${workerId}'; the ${this.kind} executor has one worker, '${this.kind}'`);
    this.#properties = { ...properties };
  }

  stats(): ExecutorStats {
    return this.#stats.snapshot(this.#queue.size + this.#backoff.size, this.#running.size);
  }

  shutdown({ wait = true, cancelPending = false }: ShutdownOptions = {}): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    this.#closing = true;
    if (cancelPending || !wait) {
      for (const job of [...this.#queue.drain(), ...this.#backoff]) {
        job.fail(new CancelledError(`Task ${job.id} cancelled: the executor shut down`), this.#stats);
      }
      this.#backoff.clear();
    }
    if (!wait) for (const job of [...this.#running]) this.#stop(job, new CancelledError(`Task ${job.id} cancelled: the executor shut down`));
    this.#shutdown = new Promise<void>((resolve) => (this.#drained = resolve));
    this.#checkDrained();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #matches(where: (worker: WorkerInfo) => boolean): boolean {
    try {
      return where(this.workers()[0]!) === true;
    } catch {
      return false;
    }
  }

  #pump(): void {
    // A task that finishes synchronously calls #pump again from inside #run: the loop below already
    // picks up what it would, and returning keeps the stack flat.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running.size < this.#concurrency && this.#queue.size > 0) {
        const [job] = this.#queue.take(1, undefined);
        if (job) this.#run(job);
      }
    } finally {
      this.#pumping = false;
    }
    this.#checkDrained();
  }

  #run(job: LocalJob): void {
    this.#running.add(job);
    job.start(this.kind, this.#stats);
    const attempt = job.attempts;
    const context = new TaskContextImpl(this.kind);
    job.context = context;
    const { timeout } = job.options;
    if (timeout !== undefined) {
      job.timer = setTimeout(() => {
        job.timer = undefined;
        this.#stop(job, new TaskTimeoutError(`Task ${job.id} timed out after ${timeout} ms`, { timeout }));
      }, timeout);
    }
    // Only the outcome of the current attempt counts: a stopped attempt may still settle later.
    const settle = (ok: boolean, payload: unknown): void => {
      if (job.phase !== 'running' || job.attempts !== attempt) return;
      this.#finish(job, ok, payload);
    };
    const invoke = (fn: Function): void => {
      setCurrentContext(context);
      let value: unknown;
      try {
        value = fn.apply(context, job.args);
      } catch (error) {
        settle(false, error);
        return;
      } finally {
        setCurrentContext(undefined);
      }
      if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
        Promise.resolve(value).then((v) => settle(true, v), (e: unknown) => settle(false, e));
      } else {
        settle(true, value);
      }
    };
    if (job.fn instanceof Promise) {
      job.fn.then((fn) => {
        job.fn = fn;
        if (job.phase === 'running' && job.attempts === attempt) invoke(fn);
      }, (error: unknown) => settle(false, error));
    } else {
      invoke(job.fn as Function);
    }
  }

  #finish(job: LocalJob, ok: boolean, payload: unknown): void {
    this.#running.delete(job);
    if (ok) {
      this.#done += 1;
      job.succeed(payload, this.#stats);
    } else {
      this.#failed += 1;
      this.#failAttempt(job, payload instanceof Error ? payload : toError(payload));
    }
    this.#pump();
  }

  #failAttempt(job: LocalJob, error: Error): void {
    const delay = retryDelay(job.options.retry, job.attempts, error);
    if (delay === undefined) {
      job.fail(error, this.#stats);
      return;
    }
    job.awaitRetry(this.#stats);
    this.#backoff.add(job);
    job.timer = setTimeout(() => {
      job.timer = undefined;
      this.#backoff.delete(job);
      job.phase = 'queued';
      this.#queue.push(job, job.options.priority ?? 0);
      this.#pump();
    }, delay);
  }

  /** Stops a running attempt: its signal is aborted and its future no longer waits for it. */
  #stop(job: LocalJob, error: Error): void {
    if (!this.#running.delete(job)) return;
    job.context?.abort(error);
    this.#failed += 1;
    if (error instanceof CancelledError) job.fail(error, this.#stats);
    else this.#failAttempt(job, error);
    this.#pump();
  }

  /** @internal */
  cancelJob(job: Job, error: CancelledError): boolean {
    return this.#cancel(job as LocalJob, error);
  }

  #cancel(job: LocalJob, error: Error): boolean {
    switch (job.phase) {
      case 'queued':
        this.#queue.forget();
        job.fail(error, this.#stats);
        break;
      case 'backoff':
        this.#backoff.delete(job);
        job.fail(error, this.#stats);
        break;
      case 'running':
        this.#stop(job, error);
        break;
      default:
        return false;
    }
    this.#checkDrained();
    return true;
  }

  #checkDrained(): void {
    if (!this.#drained || this.#queue.size > 0 || this.#backoff.size > 0 || this.#running.size > 0) return;
    const drained = this.#drained;
    this.#drained = undefined;
    drained();
  }
}

/** A thrown non-Error becomes a TaskError, as it would coming back from a worker. */
function toError(value: unknown): Error {
  return deserializeError(serializeError(value));
}

/** Options of {@link InlineExecutor}. */
export interface InlineExecutorOptions {
  /**
   * Properties of its one worker, for `where`.
   * @default {}
   */
  properties?: Record<string, unknown>;
}

/**
 * Runs each task inside `submit`, in the caller: a synchronous task has finished when `submit`
 * returns. For debugging and tests (stack traces point at your code), not for speed.
 */
export class InlineExecutor extends LocalExecutor {
  readonly kind = 'inline';

  constructor(options: InlineExecutorOptions = {}) {
    super(Infinity, true, options.properties);
  }
}

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions {
  /**
   * How many tasks run at once.
   * @default 16
   */
  concurrency?: number;
  /**
   * Properties of its one worker, for `where`.
   * @default {}
   */
  properties?: Record<string, unknown>;
}

/**
 * Runs async functions on the main event loop, at most `concurrency` at a time: for I/O-bound work
 * (HTTP calls, queries) that needs no thread of its own.
 */
export class AsyncExecutor extends LocalExecutor {
  readonly kind = 'async';

  constructor(options: AsyncExecutorOptions = {}) {
    super(positiveInteger('concurrency', options.concurrency, 16), false, options.properties);
  }
}
