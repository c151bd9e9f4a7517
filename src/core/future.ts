import { CancelledError } from './errors.js';

/** Where a future is in its life. `done`, `failed` and `cancelled` are final. */
export type FutureState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** What every result carries besides the value or the error. Times are epoch milliseconds. */
export interface TaskResultMeta {
  /** The future's id. */
  id: string;
  /** The worker that ran the last attempt (undefined when the task never started). */
  workerId?: string;
  submittedAt: number;
  /** When the last attempt started (undefined when the task never started). */
  startedAt?: number;
  finishedAt: number;
  /** How many attempts ran (0 when cancelled before starting). */
  attempts: number;
}

export interface TaskSuccess<R> extends TaskResultMeta {
  ok: true;
  value: R;
  error?: undefined;
}

export interface TaskFailure extends TaskResultMeta {
  ok: false;
  value?: undefined;
  error: Error;
}

/** The outcome of a task: the value or the (rebuilt) error, with its metadata. */
export type TaskResult<R> = TaskSuccess<R> | TaskFailure;

type Listener<R> = (result: TaskResult<R>) => void;

/**
 * The handle of one submitted task. Await it for the value (it rejects with the task's error), or
 * read `result` once it settled for the value or error with metadata, without throwing.
 *
 * The underlying Promise is made only when someone awaits the future, because farms create futures
 * by the hundred thousand and most are consumed through callbacks or `map`.
 */
export class Future<R = unknown> implements PromiseLike<R> {
  readonly id: string;
  #state: FutureState = 'pending';
  #result: TaskResult<R> | undefined;
  #listeners: Listener<R> | Listener<R>[] | undefined;
  #promise: Promise<R> | undefined;
  #canceller: ((error: CancelledError) => boolean) | undefined;

  /** @internal Futures are made by executors. */
  constructor(id: string, canceller?: (error: CancelledError) => boolean) {
    this.id = id;
    this.#canceller = canceller;
  }

  get state(): FutureState {
    return this.#state;
  }

  /** The outcome once settled, else `undefined`. */
  get result(): TaskResult<R> | undefined {
    return this.#result;
  }

  /** True once the future is done, failed or cancelled. */
  get settled(): boolean {
    return this.#result !== undefined;
  }

  /**
   * Cancels the task: a queued task is removed, a running one is stopped (its signal is aborted, then
   * its worker is killed). Returns false when the future had already settled.
   */
  cancel(reason = 'cancelled'): boolean {
    if (this.#result !== undefined) return false;
    const error = new CancelledError(`Task ${this.id} ${reason}`);
    return this.#canceller ? this.#canceller(error) : false;
  }

  /** Calls `listener` once with the result: now if already settled, else when it settles. */
  onSettled(listener: Listener<R>): void {
    if (this.#result !== undefined) {
      callListener(listener, this.#result);
      return;
    }
    if (this.#listeners === undefined) this.#listeners = listener;
    else if (typeof this.#listeners === 'function') this.#listeners = [this.#listeners, listener];
    else this.#listeners.push(listener);
  }

  then<T1 = R, T2 = never>(
    onfulfilled?: ((value: R) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.#asPromise().then(onfulfilled, onrejected);
  }

  catch<T = never>(onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<R | T> {
    return this.#asPromise().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<R> {
    return this.#asPromise().finally(onfinally);
  }

  #asPromise(): Promise<R> {
    if (this.#promise === undefined) {
      this.#promise = new Promise<R>((resolve, reject) => {
        this.onSettled((result) => (result.ok ? resolve(result.value) : reject(result.error)));
      });
    }
    return this.#promise;
  }

  /** @internal */
  _markRunning(): void {
    if (this.#result === undefined) this.#state = 'running';
  }

  /** @internal */
  _markPending(): void {
    if (this.#result === undefined) this.#state = 'pending';
  }

  /** @internal Settles once; later calls are ignored so races between a result and a kill are safe. */
  _settle(result: TaskResult<R>): boolean {
    if (this.#result !== undefined) return false;
    this.#result = result;
    this.#state = result.ok ? 'done' : result.error instanceof CancelledError ? 'cancelled' : 'failed';
    this.#canceller = undefined;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (typeof listeners === 'function') callListener(listeners, result);
    else if (listeners) for (const listener of listeners) callListener(listener, result);
    return true;
  }
}

/** A listener that throws must not corrupt the executor that settles the future: rethrow it later. */
function callListener<R>(listener: Listener<R>, result: TaskResult<R>): void {
  try {
    listener(result);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
