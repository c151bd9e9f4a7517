import { ValidationError } from '../core/errors.js';
import { ReturnStatus } from './status.js';
import { AbstractTask, type AnyTask, type Outcome, type TaskOptions, type TaskRuntime } from './task.js';

/** Moves what one step produced into the input of the next: `(nextInput, previousOutput) => void`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- steps of any kind are chained
export type Transfer = (nextInput: any, previousOutput: any) => void;

/** Input of a {@link SeriesTask}: the steps and the transfers between them. */
export class SeriesInput {
  tasks: AnyTask[] = [];
  transfers: Transfer[] = [];

  /** Sets the first step (and forgets any earlier ones). */
  first(task: AnyTask): this {
    this.tasks = [task];
    this.transfers = [];
    return this;
  }

  /** Adds a step and how to feed it from the previous step's output. */
  then(task: AnyTask, transfer: Transfer): this {
    if (this.tasks.length === 0) throw new ValidationError('SeriesInput.then(): call first(task) before then()');
    if (typeof transfer !== 'function') throw new ValidationError('SeriesInput.then(task, transfer): transfer must be a function (nextInput, previousOutput) => void');
    this.tasks.push(task);
    this.transfers.push(transfer);
    return this;
  }

  missing(): string[] {
    return this.tasks.length === 0 ? ['tasks'] : [];
  }
}

/**
 * Runs steps one after the other, each through the same runtime (so on a TaskExecutor each step's
 * work goes to the pool). A step that does not end DONE aborts the series with its status as cause.
 * The output is the last step's output.
 */
export class SeriesTask extends AbstractTask<SeriesInput, unknown> {
  constructor(options?: TaskOptions) {
    super(options);
  }

  protected makeInput(): SeriesInput {
    return new SeriesInput();
  }

  /** Until the first step ran, an empty object; then the output of the last step that ran. */
  makeOutput(): unknown {
    return {};
  }

  protected async body(runtime: TaskRuntime): Promise<Outcome> {
    const { tasks, transfers } = this.input;
    let last: unknown = {};
    for (let i = 0; i < tasks.length; i += 1) {
      const task = tasks[i]!;
      if (i > 0) transfers[i - 1]!(task.input, last);
      const [[status, output]] = (await runtime.runAll([task])) as [Outcome];
      last = output;
      if (!status.isDone()) return [ReturnStatus.aborted(`step ${i + 1} of ${tasks.length} ended ${status.code}`, status), last];
    }
    return [ReturnStatus.done(), last];
  }
}
