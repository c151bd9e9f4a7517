import { CancelledError, ExecutorClosedError, QueueTimeoutError, ValidationError } from '../core/errors.js';
import type { Future, TaskResult } from '../core/future.js';
import type { TaskLike } from '../task/define.js';
import type { Job, JobOwner } from './job.js';
import { mapWith } from './map.js';
import { validateSubmitOptions } from './options.js';
import { PriorityQueue } from './pool/queue.js';
import { retryDelay } from './retry.js';
import { StatsRecorder } from './stats.js';
import type { Executor, ExecutorStats, MapOptions, ShutdownOptions, SubmitOptions, WorkerInfo } from './types.js';

/**
 * The job lifecycle every executor shares: submit checks, the priority queue, cancellation,
 * retries with backoff, stats and shutdown. A backend decides only where and how jobs run.
 */
export abstract class BaseExecutor<J extends Job> implements Executor, JobOwner {
  abstract readonly kind: string;
  /** Jobs waiting to run; cancelled ones are dropped lazily. */
  protected readonly queue = new PriorityQueue<J>((job) => job.phase === 'queued');
  /** Jobs waiting for a retry. */
  protected readonly backoff = new Set<J>();
  protected readonly recorder = new StatsRecorder();
  #closing = false;
  #shutdown: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  /** Makes the job record for a task; throws for a task that cannot run on this backend. */
  protected abstract createJob(task: unknown, args: unknown[], options: SubmitOptions): J;
  /** There is new work in the queue. */
  protected abstract wake(): void;
  /** Stops a job that is running (a timeout or a cancel) and settles it or schedules its retry. */
  protected abstract stopRunning(job: J, error: Error): void;
  /** Jobs running now. */
  protected abstract runningCount(): number;
  /** Stops every running job with `error` (shutdown without waiting). */
  protected abstract stopAll(error: (job: J) => CancelledError): void;
  /** During shutdown, once nothing is queued or waiting: true when the backend is fully stopped. */
  protected abstract finishShutdown(): boolean;

  abstract workers(): WorkerInfo[];
  abstract setWorkerProperties(workerId: string, properties: Record<string, unknown>): void;

  /** A reason to fail a new job at once instead of queueing it. */
  protected refuse(_job: J): Error | undefined {
    return undefined;
  }

  get closed(): boolean {
    return this.#closing;
  }

  /** True from `shutdown()` until the executor has stopped. */
  protected get shuttingDown(): boolean {
    return this.#drained !== undefined;
  }

  submit<A extends unknown[], R>(task: TaskLike<A, R>, args: A, options: SubmitOptions = {}): Future<Awaited<R>> {
    if (this.#closing) throw new ExecutorClosedError(`The ${this.kind} executor is shut down; it takes no more tasks`);
    if (!Array.isArray(args)) throw new ValidationError(`submit(task, args): args must be an array, got ${typeof args}`);
    validateSubmitOptions(options);
    const job = this.createJob(task, args, options);
    const future = job as unknown as Future<Awaited<R>>;
    const refusal = this.refuse(job);
    if (refusal) {
      job.fail(refusal, this.recorder);
      return future;
    }
    const { signal } = options;
    if (signal) {
      if (signal.aborted) {
        job.fail(new CancelledError(`Task ${job.id} cancelled: its signal was already aborted`, { cause: signal.reason }), this.recorder);
        return future;
      }
      const onAbort = (): void => void job.cancel('cancelled by its signal');
      signal.addEventListener('abort', onAbort, { once: true });
      job.onSettled(() => signal.removeEventListener('abort', onAbort));
    }
    this.queue.push(job, options.priority ?? 0);
    if (options.queueTimeout !== undefined) this.#startQueueTimer(job, options.queueTimeout);
    this.wake();
    return future;
  }

  #startQueueTimer(job: J, queueTimeout: number): void {
    job.queueTimer = setTimeout(() => {
      job.queueTimer = undefined;
      if (job.phase !== 'queued') return;
      this.queue.forget();
      job.fail(new QueueTimeoutError(`Task ${job.id} waited ${queueTimeout} ms in the queue without starting (queueTimeout)`, { queueTimeout }), this.recorder);
      this.checkDrained();
    }, queueTimeout);
    // The queue keeps the program alive while there is work; the timer need not.
    job.queueTimer.unref();
  }

  map<A, R>(task: TaskLike<[A], R>, inputs: Iterable<A> | AsyncIterable<A>, options?: MapOptions): AsyncIterable<TaskResult<Awaited<R>>> {
    return mapWith(this, task, inputs, options);
  }

  stats(): ExecutorStats {
    return this.recorder.snapshot(this.queue.size + this.backoff.size, this.runningCount());
  }

  shutdown({ wait = true, cancelPending = false }: ShutdownOptions = {}): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    this.#closing = true;
    const cancelled = (job: J): CancelledError => new CancelledError(`Task ${job.id} cancelled: the executor shut down`);
    if (cancelPending || !wait) {
      for (const job of [...this.queue.drain(), ...this.backoff]) job.fail(cancelled(job), this.recorder);
      this.backoff.clear();
    }
    if (!wait) this.stopAll(cancelled);
    this.#shutdown = new Promise<void>((resolve) => (this.#drained = resolve));
    this.checkDrained();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** @internal Called by a job's `cancel()`. */
  cancelJob(job: Job, error: CancelledError): boolean {
    const own = job as J;
    switch (own.phase) {
      case 'queued':
        this.queue.forget();
        own.fail(error, this.recorder);
        break;
      case 'backoff':
        this.backoff.delete(own);
        own.fail(error, this.recorder);
        break;
      case 'running':
        this.stopRunning(own, error);
        break;
      default:
        return false;
    }
    this.checkDrained();
    return true;
  }

  /**
   * An attempt failed: schedule a retry after its backoff, or settle the job with the error.
   * `workerId` is where it failed; a retry prefers another worker.
   */
  protected failAttempt(job: J, error: Error, workerId: string | undefined, finishedAt?: number): void {
    const delay = error instanceof CancelledError ? undefined : retryDelay(job.options.retry, job.attempts, error);
    if (delay === undefined) {
      job.fail(error, this.recorder, finishedAt);
      return;
    }
    job.awaitRetry(this.recorder, finishedAt);
    if (workerId !== undefined) (job.failedOn ??= new Set()).add(workerId);
    this.backoff.add(job);
    job.timer = setTimeout(() => {
      job.timer = undefined;
      this.backoff.delete(job);
      job.phase = 'queued';
      this.queue.push(job, job.options.priority ?? 0);
      this.wake();
    }, delay);
  }

  /** During shutdown: resolves it once nothing is queued, waiting or running, and the backend stopped. */
  protected checkDrained(): void {
    if (!this.#drained || this.queue.size > 0 || this.backoff.size > 0 || !this.finishShutdown()) return;
    const drained = this.#drained;
    this.#drained = undefined;
    drained();
  }
}
