import { toError } from '../core/error-codec.js';
import { Emitter, type Subscription, type SubscriberOptions } from '../core/emitter.js';
import { CancelledError, ValidationError } from '../core/errors.js';
import type { Future } from '../core/future.js';
import { InlineExecutor } from '../executors/local.js';
import { ProcessExecutor } from '../executors/processes.js';
import { ThreadExecutor } from '../executors/threads.js';
import type { Executor, SubmitOptions } from '../executors/types.js';
import { SchedulerAlreadyRunningError, SchedulerNotRunningError } from './errors.js';
import { policyFor, validatePolicy, type PolicyRule } from './policy.js';
import { renderSnapshot, snapshotOf, type RenderOptions, type SchedulerSnapshot } from './render.js';
import { Task, type TaskOptions } from './task.js';

/** The scheduler's events and the arguments their callbacks get. */
export type SchedulerEvents = {
  start: [];
  finishing: [];
  finished: [];
  stop: [message: string, error: Error | undefined];
  timeout: [];
  empty: [];
  futureSubmitted: [future: Future<unknown>];
  futureDone: [future: Future<unknown>];
  futureCancelled: [future: Future<unknown>];
  futureResult: [future: Future<unknown>, value: unknown];
  futureException: [future: Future<unknown>, error: Error];
};

const EVENTS: Array<keyof SchedulerEvents> = [
  'empty', 'start', 'finishing', 'finished', 'stop', 'timeout',
  'futureSubmitted', 'futureDone', 'futureCancelled', 'futureException', 'futureResult',
];

/** Why a run ended. */
export type ExitCode = 'STOPPED' | 'TIMEOUT' | 'EXHAUSTED' | 'CANCELLED' | 'EXCEPTION';

export class ExitState {
  constructor(
    readonly code: ExitCode,
    /** The error, for EXCEPTION and CANCELLED (and a stop given one). */
    readonly error?: Error,
  ) {}
}

export interface RunOptions {
  /**
   * End the run after this many milliseconds (exit TIMEOUT).
   * @default no limit
   */
  timeout?: number;
  /**
   * End when nothing is running or queued (exit EXHAUSTED).
   * @default true
   */
  endOnEmpty?: boolean;
  /**
   * At the end, let running work finish (its results are delivered after `finished`); `false`
   * stops it — threads terminated, processes killed — and emits `futureCancelled` for it.
   * @default true
   */
  wait?: boolean;
  /**
   * What an error of submitted work, or thrown by a callback, does.
   * @default 'raise'
   */
  onException?: PolicyRule;
  /**
   * What a future cancelled by someone else than this scheduler does.
   * @default 'raise'
   */
  onCancelled?: PolicyRule;
}

type Ending = { code: ExitCode; error?: Error; raise?: Error; message?: string };

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
  /** Deliveries of futures (and callLater calls), in arrival order. */
  readonly #inbox: Array<() => void> = [];
  /** Plugins' events; taken before deliveries, and also while the run waits for running work. */
  readonly #events: Array<() => void> = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #wake: (() => void) | undefined;
  #running = false;
  #ending: Ending | undefined;
  #cancelling = false;
  #lateRaise: Error | undefined;
  #policies: { onException: PolicyRule; onCancelled: PolicyRule } = { onException: 'raise', onCancelled: 'raise' };

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
    return this.#running && this.#ending === undefined;
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
    future.onSettled(() => this.#post(() => this.#deliver(future)));
    return future;
  }

  /** Stops the run (exit STOPPED) after the current callback; emits `stop(message, error)`. */
  stop(message = 'stop() was called', error?: Error): void {
    if (!this.#running || this.#ending) return;
    this.#ending = { code: 'STOPPED', message, error };
    this.#wake?.();
  }

  /** Calls `fn` after `ms` milliseconds, as an event of the run (a pending call keeps the run alive). */
  callLater(ms: number, fn: () => unknown): void {
    if (!(typeof ms === 'number' && ms >= 0)) throw new ValidationError(`callLater(ms, fn): ms must be a number >= 0, got ${String(ms)}`);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#post(() => {
        try {
          fn();
        } catch (error) {
          this._callbackError(error);
        }
      });
    }, ms);
    this.#timers.add(timer);
  }

  /** Runs until empty, stopped, timed out or ended by a policy; see {@link RunOptions}. */
  async run(options: RunOptions = {}): Promise<ExitState> {
    if (this.#running) throw new SchedulerAlreadyRunningError('The scheduler is already running; wait for run() to end');
    const { timeout, endOnEmpty = true, wait = true, onException = 'raise', onCancelled = 'raise' } = options;
    validatePolicy('onException', onException);
    validatePolicy('onCancelled', onCancelled);
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
      throw new ValidationError(`Invalid option 'timeout': expected milliseconds > 0, got ${String(timeout)}`);
    }
    this.#policies = { onException, onCancelled };
    this.#running = true;
    this.#ending = undefined;
    const timer = timeout === undefined ? undefined : setTimeout(() => this.#post(() => {
      if (this.#ending) return;
      this.#emitter.emit('timeout');
      this.#ending ??= { code: 'TIMEOUT' };
    }), timeout);
    try {
      this.#emitter.emit('start');
      await this.#loop(endOnEmpty);
    } finally {
      clearTimeout(timer);
      // callLater belongs to its run: what is still pending when the run ends never fires.
      for (const pending of this.#timers) clearTimeout(pending);
      this.#timers.clear();
    }
    const ending = this.#ending!;
    if (ending.code === 'STOPPED' && ending.raise === undefined) this.#emitter.emit('stop', ending.message ?? 'stopped', ending.error);
    this.#emitter.emit('finishing');
    await this.#finishWork(wait);
    this.#running = false;
    this.#emitter.emit('finished');
    this.#drainInbox(); // completions of work that finished after the end, delivered after `finished`
    const raise = ending.raise ?? this.#lateRaise;
    this.#lateRaise = undefined;
    if (raise) throw raise;
    return new ExitState(ending.code, ending.error);
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
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#tasks.flatMap((task) => task.plugins.map((plugin) => plugin.shutdown?.())));
    if (this.#owned) await this.executor.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #loop(endOnEmpty: boolean): Promise<void> {
    let processed = 0;
    let emptyAfter = -1;
    let lastYield = performance.now();
    const isEmpty = (): boolean => this.#outstanding.size === 0 && this.#inbox.length === 0 && this.#events.length === 0 && this.#timers.size === 0;
    for (;;) {
      if (this.#ending !== undefined) {
        // A stop that lands while nothing is queued still counts as running empty (as in AMLTK).
        if (this.#ending.code === 'STOPPED' && endOnEmpty && isEmpty() && emptyAfter !== processed) this.#emitter.emit('empty');
        return;
      }
      const next = this.#events.shift() ?? this.#inbox.shift();
      if (next) {
        next();
        processed += 1;
        // Work that completes at once (a sequential executor) must not starve timers: the run's
        // timeout and callLater need the event loop now and then.
        if (performance.now() - lastYield > 10) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        continue;
      }
      if (endOnEmpty && isEmpty()) {
        emptyAfter = processed;
        this.#emitter.emit('empty');
        if (this.#ending === undefined && isEmpty()) this.#ending = { code: 'EXHAUSTED' };
        continue;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
      lastYield = performance.now();
    }
  }

  /** Lets running work finish, or stops it and delivers its cancellation now. */
  async #finishWork(wait: boolean): Promise<void> {
    const running = [...this.#outstanding.keys()];
    if (!wait) {
      this.#cancelling = true;
      try {
        for (const future of running) future.cancel('cancelled: the scheduler stopped without waiting');
        await this.#settle(running);
        this.#drainInbox();
      } finally {
        this.#cancelling = false;
      }
      return;
    }
    await this.#settle(running);
  }

  /** Waits for futures to settle while plugins' events go on (a running task may wait on them). */
  async #settle(futures: Array<Future<unknown>>): Promise<void> {
    const unsettled = futures.filter((future) => !future.settled);
    let pending = unsettled.length;
    if (pending === 0) return;
    const done = new Promise<void>((resolve) => {
      for (const future of unsettled) {
        future.onSettled(() => {
          pending -= 1;
          if (pending === 0) resolve();
          this.#wake?.();
        });
      }
    });
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const event = this.#events.shift();
      if (event) {
        event();
        continue;
      }
      await Promise.race([done, new Promise<void>((resolve) => (this.#wake = resolve))]);
      this.#wake = undefined;
    }
  }

  #drainInbox(): void {
    for (let next = this.#events.shift() ?? this.#inbox.shift(); next; next = this.#events.shift() ?? this.#inbox.shift()) next();
  }

  /**
   * @internal Queues a plugin's event (a message from a running task...). Unlike deliveries, these
   * keep flowing while the run waits for its running work, which may be waiting on them.
   */
  _post(job: () => void): void {
    this.#events.push(job);
    this.#wake?.();
  }

  /** @internal A callback (of the scheduler or a task) threw: the run's onException decides. */
  _callbackError(error: unknown): void {
    this.#applyPolicy(this.#policies.onException, toError(error), 'EXCEPTION');
  }

  #post(job: () => void): void {
    this.#inbox.push(job);
    this.#wake?.();
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
      if (!this.#cancelling) this.#applyPolicy(this.#policies.onCancelled, result.error ?? new CancelledError('cancelled'), 'CANCELLED');
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
      this.#applyPolicy(this.#policies.onException, result.error, 'EXCEPTION');
    }
  }

  #applyPolicy(rule: PolicyRule, error: Error, code: ExitCode): void {
    const policy = policyFor(rule, error);
    if (policy === 'continue') return;
    if (!this.#running || this.#ending) {
      // After the run ended (in finishing/finished callbacks, or late deliveries): raise at the end.
      if (policy === 'raise') this.#lateRaise ??= error;
      return;
    }
    this.#ending = policy === 'raise' ? { code, error, raise: error } : { code, error };
    this.#wake?.();
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
