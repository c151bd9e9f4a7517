import { ValidationError } from '../core/errors.js';
import { ReturnStatus } from './status.js';

/** What running a task gives: its status and its output (filled as far as the task got). */
export type Outcome<O = unknown> = [status: ReturnStatus, output: O];

/**
 * Where a task's work runs. Composite tasks only orchestrate (on this event loop); the leaves
 * (function tasks) `call` into the runtime, which runs them in-process or on an executor's pool.
 */
export interface TaskRuntime {
  /** Runs a leaf function with these arguments, in-process or on a worker. */
  call(fn: Function, args: unknown[]): Promise<unknown>;
  /** Runs tasks: one after the other in the foreground, side by side on an executor. */
  runAll(tasks: readonly Runnable[]): Promise<Outcome[]>;
}

/** Anything a runtime can run: a task, or a wrapper around one. */
export interface Runnable {
  run(runtime: TaskRuntime): Promise<Outcome>;
}

/** What `body` returns: a status for the output it filled, or a status and another output. */
export type BodyResult<O> = ReturnStatus | void | Outcome<O>;

/** Options every task takes. */
export interface TaskOptions {
  /**
   * `true` turns an exception into an ABORTED status that keeps the error; `false` lets it
   * propagate from `execute()` (handy while writing a task).
   * @default true
   */
  captureExceptions?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any task, whatever its input and output
export type AnyTask = AbstractTask<any, any>;

/** The foreground runtime: everything in-process, one task after the other. */
export const foreground: TaskRuntime = {
  async call(fn, args) {
    return await fn(...args);
  },
  async runAll(tasks) {
    const outcomes: Outcome[] = [];
    for (const task of tasks) outcomes.push(await task.run(foreground));
    return outcomes;
  },
};

/**
 * A task with typed input and output (tinybase's AbstractTask). Subclasses make their input and
 * output containers and implement `body`, which fills the output and returns a status.
 */
export abstract class AbstractTask<I extends { missing?(): string[] }, O> {
  readonly captureExceptions: boolean;
  readonly #input: I;
  #borrowed: I | undefined;

  constructor(options: TaskOptions = {}) {
    this.captureExceptions = options.captureExceptions ?? true;
    this.#input = this.makeInput();
  }

  /** The task's input (while a loop runs the task, the loop's own copy of it). */
  get input(): I {
    return this.#borrowed ?? this.#input;
  }

  /**
   * @internal Runs `work` with `input` in place of the task's own, so a loop can change the input
   * between runs without touching the task it was given (a copy of the task object itself would
   * lose private fields). A task object is meant to run one run at a time.
   */
  async _withInput<T>(input: I, work: () => Promise<T>): Promise<T> {
    const previous = this.#borrowed;
    this.#borrowed = input;
    try {
      return await work();
    } finally {
      this.#borrowed = previous;
    }
  }

  protected abstract makeInput(): I;
  /** A fresh output container, handed to `body`. */
  abstract makeOutput(): O;
  /**
   * The work: fills `output` and returns the status (nothing means DONE), or returns a status and
   * an output of its own (a composite hands back its inner task's output).
   */
  protected abstract body(runtime: TaskRuntime, output: O): Promise<BodyResult<O>> | BodyResult<O>;

  /** Runs the task here, in the foreground, and returns its status and output. */
  execute(): Promise<Outcome<O>> {
    return this.run(foreground);
  }

  /** Runs the task on a runtime (see TaskExecutor). */
  async run(runtime: TaskRuntime): Promise<Outcome<O>> {
    const output = this.makeOutput();
    try {
      const missing = this.input.missing?.() ?? [];
      if (missing.length > 0) {
        throw new ValidationError(`${this.constructor.name} is not ready: input ${missing.map((m) => `'${m}'`).join(', ')} not set`);
      }
      const result = await this.body(runtime, output);
      if (Array.isArray(result)) return result;
      return [result ?? ReturnStatus.done(), output];
    } catch (error) {
      if (!this.captureExceptions) throw error;
      const cause = error instanceof Error ? error : new Error(String(error));
      return [ReturnStatus.aborted(cause.message, cause), output];
    }
  }
}
