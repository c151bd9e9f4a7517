import { ProgressReporter, type ProgressMode, type ProgressOptions } from '../core/progress.js';
import type { WorkerInfo } from '../executors/types.js';
import type { FarmResult } from './result.js';
import { TaskClient, type TaskClientOptions } from './task-client.js';
import type { AnyFarmTask, FarmTaskOf } from './task.js';

export interface TaskManagerOptions extends TaskClientOptions {
  /**
   * Progress of `execute` on stderr: a bar redrawn in place on a terminal, plain lines otherwise
   * (`'auto'`), one of them always (`'bar'`, `'lines'`), none (`'off'`), or full progress options.
   * @default 'auto'
   */
  progress?: ProgressMode | Omit<ProgressOptions, 'total'>;
}

/**
 * mplite's task manager: farm a list of tasks and get every result back in order, or feed tasks in
 * one at a time and take results as they come. A failing task never stops the others: its place in
 * the results holds its error.
 *
 * ```ts
 * await using tm = new TaskManager({ workers: 4 });
 * const results = await tm.execute(inputs.map((n) => new FarmTask(work, n)));
 * ```
 */
export class TaskManager implements AsyncDisposable {
  readonly client: TaskClient;
  readonly #progress: Omit<ProgressOptions, 'total'>;
  /** Ids submitted and not taken. */
  readonly #open = new Set<number>();
  /** Results of submitted tasks not taken yet, in the order they finished. */
  readonly #ready: FarmResult[] = [];
  readonly #takers: Array<(result: FarmResult | undefined) => void> = [];

  constructor(options: TaskManagerOptions = {}) {
    const { progress = 'auto', ...clientOptions } = options;
    this.#progress = typeof progress === 'string' ? { mode: progress } : progress;
    this.client = new TaskClient(clientOptions);
  }

  /**
   * Runs `tasks` and returns, in their order, each one's value or, for a task that failed, its error
   * (a `TaskError` with the task's error name, message and stack; or a crash or timeout error).
   */
  async execute<R>(tasks: Iterable<FarmTaskOf<R>>): Promise<Array<Awaited<R> | Error>> {
    const list = [...tasks];
    list.forEach((task, index) => {
      try {
        this.client.check(task);
      } catch (error) {
        const e = error as Error;
        e.message = `task ${index} of ${list.length} (${String(task)}): ${e.message}; no task was run`;
        throw e;
      }
    });
    const progress = new ProgressReporter({ ...this.#progress, total: list.length });
    const ids = list.map((task) => this.client.run(task));
    const results = await Promise.all(ids.map(async (id) => {
      const result = await this.client.result(id, { block: true });
      progress.tick(result.ok);
      return result.ok ? result.value as Awaited<R> : result.error;
    }));
    progress.finish();
    this.client.forget(ids);
    return results;
  }

  /** Farms one task; its result comes back through `take` or `next`, in the order results arrive. */
  submit(task: AnyFarmTask): number {
    const id = this.client.run(task);
    this.#open.add(id);
    void this.client.result(id, { block: true }).then((result) => {
      this.client.forget(id);
      const taker = this.#takers.shift();
      if (taker) taker(result);
      else this.#ready.push(result);
    });
    return id;
  }

  /**
   * A finished task's result (`result.ok`, then `result.value` or `result.error`), or `undefined`
   * when none is ready now. A task that returned `undefined` comes back as a result whose
   * `value` is `undefined`, so "nothing ready" cannot be mistaken for it.
   */
  take(): FarmResult | undefined {
    const result = this.#ready.shift();
    if (result) this.#open.delete(result.id);
    return result;
  }

  /** Waits for the next result; `undefined` at once when no submitted task is left to take. */
  next(): Promise<FarmResult | undefined> {
    const ready = this.take();
    if (ready || this.#open.size === 0) return Promise.resolve(ready);
    return new Promise((resolve) => {
      this.#takers.push((result) => {
        if (result) this.#open.delete(result.id);
        resolve(result);
      });
    });
  }

  /** Results of every submitted task not taken yet, as they arrive. */
  async *[Symbol.asyncIterator](): AsyncIterator<FarmResult> {
    for (let result = await this.next(); result; result = await this.next()) yield result;
  }

  /** Tasks submitted whose results have not been taken (running, queued, or ready to take). */
  get openTasks(): number {
    return this.#open.size;
  }

  workers(): WorkerInfo[] {
    return this.client.workers();
  }

  /** Lets submitted tasks finish (their results stay takeable), then stops the workers. */
  shutdown(options?: { wait?: boolean }): Promise<void> {
    return this.client.shutdown(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
