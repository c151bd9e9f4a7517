import type { Future } from '../core/future.js';
import type { Executor, SubmitOptions } from '../executors/types.js';
import type { Task } from './task.js';

/** A call a task is about to make; a plugin may rewrite it. */
export interface Call {
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
  /** Options for the executor's submit (a timeout, messages...). */
  options?: SubmitOptions;
  /**
   * Where to run it, instead of the scheduler's executor (a plugin with a pool of its own).
   * @default the scheduler's executor
   */
  executor?: Executor;
}

/**
 * Extends a task: sees every submission first (and may veto or rewrite it), may declare events of
 * its own on the task, and may show itself in views.
 */
export interface Plugin {
  /** Shown in views, e.g. `Limiter`. */
  readonly name: string;
  /** Events the plugin emits on its task; subscribe with `task.on(name, cb)`. */
  readonly events?: readonly string[];
  /** Called once, when the task is made. */
  attach(task: Task<never, unknown>): void;
  /** The call to make (the same or rewritten), or `undefined` to veto the submission. */
  preSubmit?(call: Call): Call | undefined;
  /** The call was submitted and became `future`. */
  submitted?(future: Future<unknown>, call: Call): void;
  /** One line for views, e.g. `Concurrent 0/2`. */
  render?(): string;
  /** The plugin's state as JSON, for snapshots. */
  snapshot?(): Record<string, unknown>;
  /** Frees what the plugin holds (its own pool); called by `scheduler.shutdown()`. */
  shutdown?(): Promise<void>;
}
