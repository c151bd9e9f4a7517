import type { Executor } from '../executors/types.js';
import { InlineExecutor } from '../executors/local.js';
import { ProcessExecutor } from '../executors/processes.js';
import { ThreadExecutor } from '../executors/threads.js';
import type { ReturnStatus } from './status.js';
import { ValidationError } from '../core/errors.js';
import { AbstractTask, foreground, type AnyTask, type Outcome, type Runnable, type TaskRuntime } from './task.js';

/** Where a {@link Run} is. */
export type RunState = 'running' | 'finished';

/** One or more tasks running on a TaskExecutor; `status[i]` and `output[i]` fill in as each ends. */
export class Run {
  state: RunState = 'running';
  readonly status: Array<ReturnStatus | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- outputs of tasks of any kind
  readonly output: any[];
  readonly #done: Promise<this>;

  /** @internal */
  constructor(tasks: readonly AnyTask[], runtime: TaskRuntime) {
    this.status = new Array<ReturnStatus | undefined>(tasks.length).fill(undefined);
    this.output = new Array<unknown>(tasks.length).fill(undefined);
    this.#done = runtime.runAll(tasks.map((task, i) => new Recording(task, (outcome) => this.#record(i, outcome))))
      .then(() => this)
      .finally(() => {
        this.state = 'finished';
      });
    // A run nobody waits for must not end the program with an unhandled rejection.
    this.#done.catch(() => undefined);
  }

  /** Resolves when every task has ended. A task that throws with captureExceptions off rejects it. */
  wait(): Promise<this> {
    return this.#done;
  }

  #record(index: number, [status, output]: Outcome): void {
    this.status[index] = status;
    this.output[index] = output;
  }
}

/** A task that reports its outcome as soon as it has one, so a run shows progress before it ends. */
class Recording implements Runnable {
  constructor(readonly task: AnyTask, readonly report: (outcome: Outcome) => void) {}

  async run(runtime: TaskRuntime): Promise<Outcome> {
    const outcome = await this.task.run(runtime);
    this.report(outcome);
    return outcome;
  }
}

/**
 * Runs tasks — one or a list, on the same footing — in the foreground or on any taskfarm executor.
 * Composite tasks orchestrate here; the work of their function tasks, including every batch a
 * generator yields, goes to the executor's pool.
 *
 * ```ts
 * await using exe = TaskExecutor.threads(4);
 * const run = exe.run(tasks);
 * await run.wait();
 * run.status; run.output[5].result;
 * ```
 */
export class TaskExecutor implements AsyncDisposable {
  readonly #runtime: TaskRuntime;
  readonly #executor: Executor | undefined;
  readonly #owned: boolean;

  /** On `executor` (not shut down with this TaskExecutor), or in the foreground when omitted. */
  constructor(executor?: Executor, options: { own?: boolean } = {}) {
    this.#executor = executor;
    this.#owned = options.own ?? false;
    this.#runtime = executor ? poolRuntime(executor) : foreground;
  }

  /** In this thread, one task after the other (tinybase's Executor). */
  static foreground(): TaskExecutor {
    return new TaskExecutor();
  }

  /** On `n` worker threads (tinybase's BackgroundExecutor). */
  static threads(n: number): TaskExecutor {
    return new TaskExecutor(new ThreadExecutor({ workers: n }), { own: true });
  }

  /** On `n` child processes (tinybase's ProcessExecutor). */
  static processes(n: number): TaskExecutor {
    return new TaskExecutor(new ProcessExecutor({ workers: n }), { own: true });
  }

  /** In-process but through the executor contract (for debugging a pool run). */
  static inline(): TaskExecutor {
    return new TaskExecutor(new InlineExecutor(), { own: true });
  }

  /** Starts the task or tasks; see {@link Run}. */
  run(tasks: AnyTask | readonly AnyTask[]): Run {
    const list: readonly unknown[] = Array.isArray(tasks) ? tasks : [tasks];
    list.forEach((task, index) => {
      if (!(task instanceof AbstractTask)) {
        throw new ValidationError(`TaskExecutor.run(): item ${index} is not a task (an AbstractTask such as FunctionTask), got ${task === null ? 'null' : typeof task}`);
      }
    });
    return new Run(list as readonly AnyTask[], this.#runtime);
  }

  /** Shuts down the executor if this TaskExecutor made it. */
  async shutdown(): Promise<void> {
    if (this.#owned) await this.#executor?.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/** Function tasks go to the executor; batches run side by side. */
function poolRuntime(executor: Executor): TaskRuntime {
  const runtime: TaskRuntime = {
    call: (fn, args) => executor.submit(fn as (...a: unknown[]) => unknown, args),
    runAll: (tasks) => Promise.all(tasks.map((task) => task.run(runtime))),
  };
  return runtime;
}
