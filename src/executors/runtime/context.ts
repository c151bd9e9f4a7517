/** What a running task can learn about its run: `this` inside a `function` task, or {@link taskContext}. */
export interface TaskContext {
  /** Aborted when the task times out or is cancelled; long async work should watch it. */
  readonly signal: AbortSignal;
  /** Id of the worker running the task. */
  readonly workerId: string;
}

export class TaskContextImpl implements TaskContext {
  readonly workerId: string;
  #controller: AbortController | undefined;

  constructor(workerId: string) {
    this.workerId = workerId;
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
