import { toError } from '../core/error-codec.js';
import { Emitter, type Subscription, type SubscriberOptions } from '../core/emitter.js';
import type { Future } from '../core/future.js';
import { InlineExecutor } from '../executors/local.js';
import { ProcessExecutor } from '../executors/processes.js';
import { ThreadExecutor } from '../executors/threads.js';
import type { Executor, SubmitOptions } from '../executors/types.js';
import { SchedulerNotRunningError } from './errors.js';
import { EVENTS, type SchedulerEvents } from './events.js';
import { renderSnapshot, snapshotOf, type RenderOptions, type SchedulerSnapshot } from './render.js';
import { RunLoop, type ExitState, type RunOptions } from './run-loop.js';
import { Task, type TaskOptions } from './task.js';

export type { SchedulerEvents } from './events.js';
export { ExitState, type ExitCode, type RunOptions } from './run-loop.js';

/**
 * An event-driven scheduler over any executor (AMLTK's Scheduler): callbacks react to its events
 * and submit more work. Events are delivered one at a time, in a deterministic order, from one
 * queue: a completion is never delivered inside `submit`, even by an inline executor.
 */
export class Scheduler implements AsyncDisposable {
  readonly executor: Executor;
  readonly #emitter = new Emitter<SchedulerEvents>('Scheduler', EVENTS);
  readonly #owned: boolean;
  readonly #tasks: Array<Task<never, unknown>> = [];
  /** Futures submitted during the run and not delivered yet, with the task that made each. */
  readonly #outstanding = new Map<Future<unknown>, Task<never, unknown> | undefined>();
  /** The runs: event queues, the loop, what ends a run, the exception policies. */
  readonly #loop = new RunLoop(this.#emitter, this.#outstanding);

  /** Over `executor`; `own: true` shuts it down with the scheduler. */
  constructor(executor: Executor, options: { own?: boolean } = {}) {
    this.executor = executor;
    this.#owned = options.own ?? false;
    this.#emitter.onCallbackError = (error) => this._callbackError(error);
  }

  /** Runs work in the main thread, one call at a time. */
  static withSequential(): Scheduler {
    return new Scheduler(new InlineExecutor(), { own: true });
  }

  static withThreads(workers: number): Scheduler {
    return new Scheduler(new ThreadExecutor({ workers }), { own: true });
  }

  static withProcesses(workers: number): Scheduler {
    return new Scheduler(new ProcessExecutor({ workers }), { own: true });
  }

  /** Every event with how many times it was emitted, 0 included; counts add up over runs. */
  get eventCounts(): Record<keyof SchedulerEvents, number> {
    return this.#emitter.counts as Record<keyof SchedulerEvents, number>;
  }

  /** @internal The emitter, for views. */
  get _emitter(): Emitter<SchedulerEvents> {
    return this.#emitter;
  }

  /** @internal The tasks made with `task()`, for views. */
  get _tasks(): ReadonlyArray<Task<never, unknown>> {
    return this.#tasks;
  }

  running(): boolean {
    return this.#loop.running();
  }

  on<K extends keyof SchedulerEvents>(event: K, callback: (...args: SchedulerEvents[K]) => unknown, options?: SubscriberOptions): Subscription {
    return this.#emitter.on(event, callback, options);
  }

  onStart(callback: () => unknown, options?: SubscriberOptions): Subscription { return this.on('start', callback, options); }
  onFinishing(callback: () => unknown, options?: SubscriberOptions): Subscription { return this.on('finishing', callback, options); }
  onFinished(callback: () => unknown, options?: SubscriberOptions): Subscription { return this.on('finished', callback, options); }
  onStop(callback: (message: string, error: Error | undefined) => unknown, options?: SubscriberOptions): Subscription { return this.on('stop', callback, options); }
  onTimeout(callback: () => unknown, options?: SubscriberOptions): Subscription { return this.on('timeout', callback, options); }
  onEmpty(callback: () => unknown, options?: SubscriberOptions): Subscription { return this.on('empty', callback, options); }
  onFutureSubmitted(callback: (future: Future<unknown>) => unknown, options?: SubscriberOptions): Subscription { return this.on('futureSubmitted', callback, options); }
  onFutureDone(callback: (future: Future<unknown>) => unknown, options?: SubscriberOptions): Subscription { return this.on('futureDone', callback, options); }
  onFutureCancelled(callback: (future: Future<unknown>) => unknown, options?: SubscriberOptions): Subscription { return this.on('futureCancelled', callback, options); }
  onFutureResult(callback: (future: Future<unknown>, value: unknown) => unknown, options?: SubscriberOptions): Subscription { return this.on('futureResult', callback, options); }
  onFutureException(callback: (future: Future<unknown>, error: Error) => unknown, options?: SubscriberOptions): Subscription { return this.on('futureException', callback, options); }

  /** Makes a {@link Task}: a function submitted through this scheduler, with its own events and plugins. */
  task<A extends unknown[], R>(fn: (...args: A) => R, options?: TaskOptions): Task<A, Awaited<R>> {
    const task = new Task<A, Awaited<R>>(this, fn as never, options);
    this.#tasks.push(task as never);
    return task;
  }

  /** Submits `fn(...args)` to the executor; `futureSubmitted` is emitted before this returns. */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    return this._submit(fn as never, args, undefined) as Future<Awaited<R>>;
  }

  /** @internal Submits for a task (its events follow the scheduler's). */
  _submit(
    fn: (...args: unknown[]) => unknown,
    args: unknown[],
    task: Task<never, unknown> | undefined,
    options?: SubmitOptions,
    executor: Executor = this.executor,
  ): Future<unknown> {
    if (!this.running()) {
      throw new SchedulerNotRunningError(
        `Cannot submit ${fn.name || 'anonymous'}(${args.map(describeArg).join(', ')}): the scheduler is not running; submit from a callback of run()`,
      );
    }
    const future = executor.submit(fn, args, options) as Future<unknown>;
    this.#outstanding.set(future, task);
    this.#emitter.emit('futureSubmitted', future);
    future.onSettled(() => this.#loop.post(() => this.#deliver(future)));
    return future;
  }

  /** Stops the run (exit STOPPED) after the current callback; emits `stop(message, error)`. */
  stop(message = 'stop() was called', error?: Error): void {
    this.#loop.stop(message, error);
  }

  /** Calls `fn` after `ms` milliseconds, as an event of the run (a pending call keeps the run alive). */
  callLater(ms: number, fn: () => unknown): void {
    this.#loop.callLater(ms, fn);
  }

  /** Runs until empty, stopped, timed out or ended by a policy; see {@link RunOptions}. */
  run(options: RunOptions = {}): Promise<ExitState> {
    return this.#loop.run(options);
  }

  /** The scheduler as JSON: executor, queue, events with counts and callbacks, tasks and plugins. */
  snapshot(): SchedulerSnapshot {
    return snapshotOf(this, this.#outstanding.size);
  }

  /** The scheduler as a text tree (colour only on a TTY, unless `color` says otherwise). */
  render(options?: RenderOptions): string {
    return renderSnapshot(this.snapshot(), options);
  }

  /** Shuts down the plugins' pools, and the executor if this scheduler made it (withThreads, ...). */
  async shutdown(): Promise<void> {
    this.#loop.clearTimers();
    await Promise.all(this.#tasks.flatMap((task) => task.plugins.map((plugin) => plugin.shutdown?.())));
    if (this.#owned) await this.executor.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * @internal Queues a plugin's event (a message from a running task...). Unlike deliveries, these
   * keep flowing while the run waits for its running work, which may be waiting on them.
   */
  _post(job: () => void): void {
    this.#loop.postEvent(job);
  }

  /** @internal A callback (of the scheduler or a task) threw: the run's onException decides. */
  _callbackError(error: unknown): void {
    this.#loop.exception(toError(error));
  }

  /** Emits a future's events: the scheduler's first, then its task's. */
  #deliver(future: Future<unknown>): void {
    if (!this.#outstanding.has(future)) return;
    const task = this.#outstanding.get(future);
    this.#outstanding.delete(future);
    const result = future.result!;
    if (future.state === 'cancelled') {
      this.#emitter.emit('futureCancelled', future);
      task?._emit('cancelled', future);
      this.#loop.cancelled(result.error);
      return;
    }
    this.#emitter.emit('futureDone', future);
    task?._emit('done', future);
    if (result.ok) {
      this.#emitter.emit('futureResult', future, result.value);
      task?._emit('result', future, result.value);
    } else {
      this.#emitter.emit('futureException', future, result.error);
      task?._emit('exception', future, result.error);
      this.#loop.exception(result.error);
    }
  }
}

function describeArg(value: unknown): string {
  try {
    const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(JSON.stringify(value) ?? value);
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  } catch {
    return typeof value;
  }
}
