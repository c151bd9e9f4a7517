import { toError } from '../core/error-codec.js';
import { CancelledError, PlacementError, TaskTimeoutError, ValidationError } from '../core/errors.js';
import { toTaskSpec } from '../task/define.js';
import { loadTask } from '../task/loader.js';
import { BaseExecutor } from './base.js';
import { Job } from './job.js';
import { positiveInteger } from './options.js';
import { deliverComm } from './messages.js';
import { setCurrentContext, TaskContextImpl, type ContextChannel } from './runtime/context.js';
import type { SubmitOptions, TaskMessages, WorkerInfo } from './types.js';

class LocalJob<R = unknown> extends Job<R> {
  fn: Function | Promise<Function> | undefined;
  context: TaskContextImpl | undefined;
}

/** Functions loaded from task references, by the reference's identity: each is imported once. */
const loaded = new WeakMap<object, Function | Promise<Function>>();

function loadReference(task: unknown): Function | Promise<Function> {
  if (typeof task !== 'object' || task === null) return loadTask(toTaskSpec(task)); // throws what is wrong
  const known = loaded.get(task);
  if (known) return known;
  const loading = loadTask(toTaskSpec(task));
  loaded.set(task, loading);
  // A module that failed to load is tried again by the next task, as a worker would.
  loading.then((fn) => loaded.set(task, fn), () => loaded.delete(task));
  return loading;
}

/**
 * Runs tasks in this thread: closures are fine (nothing is shipped), but running work cannot be
 * killed — a timeout or cancel aborts the task's signal and settles its future, and code that
 * ignores the signal runs on unobserved.
 */
abstract class LocalExecutor extends BaseExecutor<LocalJob> {
  readonly #concurrency: number;
  readonly #startInSubmit: boolean;
  readonly #running = new Set<LocalJob>();
  #properties: Record<string, unknown>;
  readonly #taskWorkerId: string | undefined;
  #done = 0;
  #failed = 0;
  #pumping = false;

  constructor(concurrency: number, startInSubmit: boolean, options: LocalOptions) {
    super();
    this.#concurrency = concurrency;
    this.#startInSubmit = startInSubmit;
    this.#properties = { ...options.properties };
    this.#taskWorkerId = options.taskWorkerId;
  }

  protected createJob(task: unknown, args: unknown[], options: SubmitOptions): LocalJob {
    const job = new LocalJob(args, options, this);
    // A function runs as itself; a reference is loaded like a worker would, on first run.
    job.fn = typeof task === 'function' ? task : loadReference(task);
    if (job.fn instanceof Promise) job.fn.catch(() => undefined);
    return job;
  }

  protected override refuse(job: LocalJob): Error | undefined {
    const { where } = job.options;
    if (where && !this.#matches(where)) {
      return new PlacementError(`Task ${job.id}: its 'where' rejects the only worker of the ${this.kind} executor`);
    }
    return undefined;
  }

  protected wake(): void {
    if (this.#startInSubmit) this.#pump();
    else queueMicrotask(() => this.#pump());
  }

  protected runningCount(): number {
    return this.#running.size;
  }

  protected stopAll(error: (job: LocalJob) => CancelledError): void {
    for (const job of [...this.#running]) this.stopRunning(job, error(job));
  }

  protected finishShutdown(): boolean {
    return this.#running.size === 0;
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
      while (this.#running.size < this.#concurrency && this.queue.size > 0) {
        const [job] = this.queue.take(1, undefined);
        if (job) this.#run(job);
      }
    } finally {
      this.#pumping = false;
    }
    this.checkDrained();
  }

  #run(job: LocalJob): void {
    this.#running.add(job);
    job.start(this.kind, this.recorder);
    const attempt = job.attempts;
    const context = new TaskContextImpl(this.#taskWorkerId ?? this.kind, localChannel(job.options.messages));
    job.context = context;
    const { timeout } = job.options;
    if (timeout !== undefined) {
      job.timer = setTimeout(() => {
        job.timer = undefined;
        this.stopRunning(job, new TaskTimeoutError(`Task ${job.id} timed out after ${timeout} ms`, { timeout }));
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
      job.succeed(payload, this.recorder);
    } else {
      this.#failed += 1;
      this.failAttempt(job, toError(payload), undefined);
    }
    this.#pump();
  }

  /** Stops a running attempt: its signal is aborted and its future no longer waits for it. */
  protected stopRunning(job: LocalJob, error: Error): void {
    if (!this.#running.delete(job)) return;
    job.context?.abort(error);
    this.#failed += 1;
    this.failAttempt(job, error, undefined);
    this.#pump();
  }
}

/** Options of {@link InlineExecutor}. */
export interface InlineExecutorOptions {
  /**
   * Properties of its one worker, for `where`.
   * @default {}
   */
  properties?: Record<string, unknown>;
  /**
   * The worker id tasks see in their context (`this.workerId`) when it must not be the executor's
   * kind: a Redis engine gives its tasks its own id, the one their results carry.
   * @default the executor's kind ('inline', 'async')
   */
  taskWorkerId?: string;
}

type LocalOptions = InlineExecutorOptions;

/**
 * Runs each task inside `submit`, in the caller: a synchronous task has finished when `submit`
 * returns. For debugging and tests (stack traces point at your code), not for speed.
 */
export class InlineExecutor extends LocalExecutor {
  readonly kind = 'inline';

  constructor(options: InlineExecutorOptions = {}) {
    super(Infinity, true, options);
  }
}

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions extends InlineExecutorOptions {
  /**
   * How many tasks run at once.
   * @default 16
   */
  concurrency?: number;
}

/**
 * Runs async functions on the main event loop, at most `concurrency` at a time: for I/O-bound work
 * (HTTP calls, queries) that needs no thread of its own.
 */
export class AsyncExecutor extends LocalExecutor {
  readonly kind = 'async';

  constructor(options: AsyncExecutorOptions = {}) {
    super(positiveInteger('concurrency', options.concurrency, 16), false, options);
  }
}

/**
 * In-process, a task's messages go straight to its handler, at once: as from a worker, they then
 * come before the task's result.
 */
function localChannel(handler: TaskMessages | undefined): ContextChannel {
  return {
    send: (payload) => deliverComm(handler, false, payload, () => undefined),
    request: (payload, timeout) => new Promise((resolve, reject) => {
      const timer = timeout === undefined ? undefined : setTimeout(() => {
        reject(new TaskTimeoutError(`Request to the host got no answer within ${timeout} ms`, { timeout }));
      }, timeout);
      deliverComm(handler, true, payload, (ok, value) => {
        clearTimeout(timer);
        if (ok) resolve(value);
        else reject(value);
      });
    }),
  };
}
