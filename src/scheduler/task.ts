import { Emitter, type EmitReport, type Subscription, type SubscriberOptions } from '../core/emitter.js';
import { ValidationError } from '../core/errors.js';
import type { Future } from '../core/future.js';
import type { Call, Plugin } from './plugin.js';
import type { Scheduler } from './scheduler.js';

/** A task's own events, after the scheduler's for the same future. */
export type TaskEvents<A extends unknown[], R> = {
  submitted: [future: Future<R>, ...args: A];
  done: [future: Future<R>];
  result: [future: Future<R>, value: R];
  exception: [future: Future<R>, error: Error];
  cancelled: [future: Future<R>];
};

export interface TaskOptions {
  /** Plugins, consulted in order on every submission. */
  plugins?: Plugin[];
  /**
   * Shown in views.
   * @default the function's name
   */
  name?: string;
}

/**
 * A function submitted through a scheduler (AMLTK's Task): its own events, and plugins that see
 * every submission first.
 */
export class Task<A extends unknown[], R> {
  readonly name: string;
  readonly plugins: readonly Plugin[];
  readonly #scheduler: Scheduler;
  readonly #fn: (...args: A) => unknown;
  readonly #emitter: Emitter<Record<string, unknown[]>>;
  /** Futures of this task not delivered yet. */
  #running = 0;

  /** @internal Made by `scheduler.task(fn)`. */
  constructor(scheduler: Scheduler, fn: (...args: A) => unknown, options: TaskOptions = {}) {
    if (typeof fn !== 'function') throw new ValidationError(`scheduler.task(fn): fn must be a function, got ${typeof fn}`);
    this.#scheduler = scheduler;
    this.#fn = fn;
    this.name = options.name ?? (fn.name || 'anonymous');
    this.plugins = [...(options.plugins ?? [])];
    this.#emitter = new Emitter(`Task ${this.name}`, ['submitted', 'done', 'result', 'exception', 'cancelled']);
    // A task callback's error follows the run's onException policy, like a scheduler callback's.
    this.#emitter.onCallbackError = (error) => scheduler._callbackError(error);
    for (const plugin of this.plugins) {
      for (const event of plugin.events ?? []) this.#emitter.declare(event);
      plugin.attach(this as unknown as Task<never, unknown>);
    }
  }

  /** Submitted and not yet delivered. */
  get running(): number {
    return this.#running;
  }

  get eventCounts(): Record<string, number> {
    return this.#emitter.counts;
  }

  /** @internal For views. */
  get _emitter(): Emitter<Record<string, unknown[]>> {
    return this.#emitter;
  }

  /**
   * Submits the task through the scheduler; `undefined` when a plugin vetoed it. Throws
   * SchedulerNotRunningError outside a run.
   */
  submit(...args: A): Future<R> | undefined {
    let call: Call = { fn: this.#fn as (...a: unknown[]) => unknown, args: args as unknown[] };
    for (const plugin of this.plugins) {
      const next = plugin.preSubmit?.(call);
      if (next === undefined && plugin.preSubmit) return undefined;
      if (next) call = next;
    }
    // Running from the start of the submission: a futureSubmitted callback that submits again must
    // see this one (a Limiter's maxConcurrent counts on it).
    this.#running += 1;
    let future: Future<R>;
    try {
      future = this.#scheduler._submit(call.fn, call.args, this as unknown as Task<never, unknown>, call.options, call.executor) as Future<R>;
    } catch (error) {
      this.#running -= 1;
      throw error;
    }
    for (const plugin of this.plugins) plugin.submitted?.(future as Future<unknown>, call);
    this.#emitter.emit('submitted', future, ...call.args);
    return future;
  }

  on(event: string, callback: (...args: never[]) => unknown, options?: SubscriberOptions): Subscription {
    return this.#emitter.on(event, callback as (...args: unknown[]) => unknown, options);
  }

  onSubmitted(callback: (future: Future<R>, ...args: A) => unknown, options?: SubscriberOptions): Subscription { return this.on('submitted', callback as never, options); }
  onDone(callback: (future: Future<R>) => unknown, options?: SubscriberOptions): Subscription { return this.on('done', callback as never, options); }
  onResult(callback: (future: Future<R>, value: R) => unknown, options?: SubscriberOptions): Subscription { return this.on('result', callback as never, options); }
  onException(callback: (future: Future<R>, error: Error) => unknown, options?: SubscriberOptions): Subscription { return this.on('exception', callback as never, options); }
  onCancelled(callback: (future: Future<R>) => unknown, options?: SubscriberOptions): Subscription { return this.on('cancelled', callback as never, options); }

  /** Emits one of the task's events (plugins emit theirs this way). */
  emit(event: string, ...args: unknown[]): EmitReport {
    return this.#emitter.emit(event, ...args);
  }

  /** @internal Runs `job` as an event of the scheduler's run (for plugins' events from workers). */
  _post(job: () => void): void {
    this.#scheduler._post(job);
  }

  /** @internal The scheduler delivers a future of this task. */
  _emit(event: 'done' | 'result' | 'exception' | 'cancelled', ...args: unknown[]): void {
    if (event === 'done' || event === 'cancelled') this.#running -= 1;
    this.#emitter.emit(event, ...args);
  }
}
