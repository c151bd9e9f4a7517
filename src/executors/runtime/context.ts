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
  /**
   * This worker's own values (IPython's engine namespace): they outlive the task and are seen by
   * the next tasks on the same worker, never by other workers. The farm's `push`, `pull`,
   * `clearBefore` and `clearAfter` work on it.
   */
  readonly scope: Map<string, unknown>;
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

  get scope(): Map<string, unknown> {
    return workerScope();
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

// Global too, for the same reason: one scope per worker whatever copy of taskfarm a module loaded.
const SCOPE = Symbol.for('taskfarm.workerScope');
const scopes = globalThis as unknown as Record<symbol, Map<string, unknown> | undefined>;

/** The values of the worker this code runs in (the main thread's own for inline and async executors). */
export function workerScope(): Map<string, unknown> {
  return (scopes[SCOPE] ??= new Map());
}
