/** What a running task can learn about its run: `this` inside a `function` task, or {@link taskContext}. */
export interface TaskContext {
  /** Aborted when the task times out or is cancelled; long async work should watch it. */
  readonly signal: AbortSignal;
  /** Id of the worker running the task. */
  readonly workerId: string;
  /** Sends a message to the host (SubmitOptions.messages, or the scheduler's Comm plugin). */
  send(message: unknown): void;
  /**
   * Asks the host and waits for its answer; rejects with TaskTimeoutError after `timeout` ms.
   * @param options.timeout default: no limit
   */
  request(message: unknown, options?: { timeout?: number }): Promise<unknown>;
}

/** How a context reaches the host: through the worker's port, or directly in-process. */
export interface ContextChannel {
  send(message: unknown): void;
  request(message: unknown, timeout: number | undefined): Promise<unknown>;
}

export class TaskContextImpl implements TaskContext {
  readonly workerId: string;
  readonly #channel: ContextChannel | undefined;
  #controller: AbortController | undefined;

  constructor(workerId: string, channel?: ContextChannel) {
    this.workerId = workerId;
    this.#channel = channel;
  }

  send(message: unknown): void {
    this.#channel?.send(message);
  }

  request(message: unknown, options: { timeout?: number } = {}): Promise<unknown> {
    if (!this.#channel) return Promise.reject(new Error('This task has no host to ask'));
    return this.#channel.request(message, options.timeout);
  }

  // Made on first use: most tiny tasks never look at their signal.
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  abort(reason: unknown): void {
    (this.#controller ??= new AbortController()).abort(reason);
  }
}

// A global slot, so that a second copy of taskfarm loaded by a task module sees the same context.
const SLOT = Symbol.for('taskfarm.currentTaskContext');
const slots = globalThis as unknown as Record<symbol, TaskContext | undefined>;

export function setCurrentContext(context: TaskContext | undefined): void {
  slots[SLOT] = context;
}

/**
 * The context of the task running now in this worker, or `undefined` outside a task. Valid in the
 * synchronous part of the task; an async task should read it (or its signal) before its first await.
 */
export function taskContext(): TaskContext | undefined {
  return slots[SLOT];
}
