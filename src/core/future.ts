import { CancelledError } from './errors.js';
import { formatId, nextSeq } from './ids.js';

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

/** @internal What a result's metadata is made of. */
export interface ResultMetaSource {
  readonly workerId: string | undefined;
  readonly submittedAt: number;
  readonly startedAt: number | undefined;
  readonly attempts: number;
}

type Listener<R> = (result: TaskResult<R>) => void;

/**
 * The handle of one submitted task. Await it for the value (it rejects with the task's error), or
 * read `result` once it settled for the value or error with metadata, without throwing.
 *
 * Farms create futures by the hundred thousand, so a future makes its Promise, its id string and
 * its result object only when someone asks for them, and executors' job records extend it rather
 * than point to it.
 */
export class Future<R = unknown> implements Promise<R> {
  readonly #seq = nextSeq();
  #id: string | undefined;
  #state: FutureState = 'pending';
  #settled = false;
  #ok = false;
  #payload: unknown;
  #finishedAt = 0;
  #result: TaskResult<R> | undefined;
  #listeners: Listener<R> | Listener<R>[] | undefined;
  #promise: Promise<R> | undefined;
  #resolve: ((value: R) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  /** Makes a future usable wherever a Promise is expected (it has then, catch and finally). */
  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /** Unique id, e.g. `task-1a2b3c4d-1f`. */
  get id(): string {
    return (this.#id ??= formatId('task', this.#seq));
  }

  get state(): FutureState {
    return this.#state;
  }

  /** True once the future is done, failed or cancelled. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The outcome once settled, else `undefined`. */
  get result(): TaskResult<R> | undefined {
    if (!this.#settled) return undefined;
    if (this.#result === undefined) {
      const source = this._meta();
      const meta = {
        id: this.id, workerId: source.workerId, submittedAt: source.submittedAt,
        startedAt: source.startedAt, finishedAt: this.#finishedAt, attempts: source.attempts,
      };
      this.#result = this.#ok
        ? { ok: true, value: this.#payload as R, ...meta }
        : { ok: false, error: this.#payload as Error, ...meta };
    }
    return this.#result;
  }

  /**
   * Cancels the task: a queued task is removed, a running one is stopped (its signal is aborted, then
   * its worker is killed). Returns false when the future had already settled.
   */
  cancel(reason = 'cancelled'): boolean {
    if (this.#settled) return false;
    return this._cancel(new CancelledError(`Task ${this.id} ${reason}`));
  }

  /** @internal Executors override this to remove or stop the task. */
  protected _cancel(_error: CancelledError): boolean {
    return false;
  }

  /** @internal Where the result's metadata comes from: executors' job records override this. */
  protected _meta(): ResultMetaSource {
    return { workerId: undefined, submittedAt: this.#finishedAt, startedAt: undefined, attempts: 0 };
  }

  /** Calls `listener` once with the result: now if already settled, else when it settles. */
  onSettled(listener: Listener<R>): void {
    if (this.#settled) {
      callListener(listener, this.result!);
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
      if (this.#settled) {
        this.#promise = this.#ok ? Promise.resolve(this.#payload as R) : Promise.reject(this.#payload);
      } else {
        this.#promise = new Promise<R>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
    }
    return this.#promise;
  }

  /** @internal */
  _markRunning(): void {
    if (!this.#settled) this.#state = 'running';
  }

  /** @internal */
  _markPending(): void {
    if (!this.#settled) this.#state = 'pending';
  }

  /** @internal Settles once; later calls are ignored so races between a result and a kill are safe. */
  _settle(ok: boolean, payload: unknown, finishedAt: number): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#ok = ok;
    this.#payload = payload;
    this.#finishedAt = finishedAt;
    this.#state = ok ? 'done' : payload instanceof CancelledError ? 'cancelled' : 'failed';
    if (ok) this.#resolve?.(payload as R);
    else this.#reject?.(payload);
    this.#resolve = this.#reject = undefined;
    const listeners = this.#listeners;
    if (listeners !== undefined) {
      this.#listeners = undefined;
      const result = this.result!;
      if (typeof listeners === 'function') callListener(listeners, result);
      else for (const listener of listeners) callListener(listener, result);
    }
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
