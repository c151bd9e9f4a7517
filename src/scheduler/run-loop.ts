import { toError } from '../core/error-codec.js';
import type { Emitter } from '../core/emitter.js';
import { CancelledError, ValidationError } from '../core/errors.js';
import type { Future } from '../core/future.js';
import { SchedulerAlreadyRunningError } from './errors.js';
import type { SchedulerEvents } from './events.js';
import { policyFor, validatePolicy, type PolicyRule } from './policy.js';

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
 * The scheduler's runs: the queues its events wait in, the loop that takes them one at a time,
 * what ends a run (stop, timeout, running empty, the exception policies) and how the work still
 * running at the end is finished. The scheduler submits and delivers through it.
 */
export class RunLoop {
  readonly #emitter: Emitter<SchedulerEvents>;
  /** The scheduler's futures not delivered yet: the run waits for them, and is not empty while any is. */
  readonly #outstanding: ReadonlyMap<Future<unknown>, unknown>;
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

  constructor(emitter: Emitter<SchedulerEvents>, outstanding: ReadonlyMap<Future<unknown>, unknown>) {
    this.#emitter = emitter;
    this.#outstanding = outstanding;
  }

  /** In a run that is not ending: work may be submitted. */
  running(): boolean {
    return this.#running && this.#ending === undefined;
  }

  /** Ends the run (exit STOPPED) after the current callback. */
  stop(message: string, error?: Error): void {
    if (!this.#running || this.#ending) return;
    this.#ending = { code: 'STOPPED', message, error };
    this.#wake?.();
  }

  /** Calls `fn` after `ms` milliseconds, as an event of the run (a pending call keeps the run alive). */
  callLater(ms: number, fn: () => unknown): void {
    if (!(typeof ms === 'number' && ms >= 0)) throw new ValidationError(`callLater(ms, fn): ms must be a number >= 0, got ${String(ms)}`);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.post(() => {
        try {
          fn();
        } catch (error) {
          this.exception(toError(error));
        }
      });
    }, ms);
    this.#timers.add(timer);
  }

  /** Drops the pending callLater calls: they never fire. */
  clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** One run, from `start` to `finished`; see {@link RunOptions}. */
  async run(options: RunOptions): Promise<ExitState> {
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
    const timer = timeout === undefined ? undefined : setTimeout(() => this.post(() => {
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
      this.clearTimers();
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

  /** Queues a delivery (of a settled future, or a callLater call), behind those before it. */
  post(job: () => void): void {
    this.#inbox.push(job);
    this.#wake?.();
  }

  /**
   * Queues a plugin's event (a message from a running task...). Unlike deliveries, these keep
   * flowing while the run waits for its running work, which may be waiting on them.
   */
  postEvent(job: () => void): void {
    this.#events.push(job);
    this.#wake?.();
  }

  /** An error of submitted work, or thrown by a callback: the run's onException decides. */
  exception(error: Error): void {
    this.#applyPolicy(this.#policies.onException, error, 'EXCEPTION');
  }

  /** A future was cancelled: the run's onCancelled decides, unless the run itself cancelled it. */
  cancelled(error: Error | undefined): void {
    if (!this.#cancelling) this.#applyPolicy(this.#policies.onCancelled, error ?? new CancelledError('cancelled'), 'CANCELLED');
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
