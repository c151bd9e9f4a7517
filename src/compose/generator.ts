import { ValidationError } from '../core/errors.js';
import { ReturnStatus } from './status.js';
import { AbstractTask, type AnyTask, type BodyResult, type Outcome, type TaskRuntime } from './task.js';

/** What a generator yields (a batch of tasks), receives back (their outcomes) and returns. */
export type TaskSteps<O> = Generator<readonly AnyTask[], BodyResult<O>, Outcome[]>;

/**
 * A task that makes other tasks as it goes (tinybase's TaskGenerator): `steps()` yields batches of
 * tasks and receives their `[status, output]` pairs, then returns its own status (and output). Run
 * in the foreground, a batch runs one task after the other; on a TaskExecutor, side by side on the
 * pool, so `n` independent tasks on `k` workers take about n/k as long.
 *
 * ```ts
 * class WaitGenerator extends TaskGenerator<InstanceType<typeof WaitInput>, {}> {
 *   protected makeInput() { return new WaitInput(); }
 *   makeOutput() { return {}; }
 *   protected *steps() {
 *     const tasks = Array.from({ length: this.input.n }, () => new FunctionTask(sleep));
 *     for (const t of tasks) t.input.args = [this.input.time];
 *     yield tasks;
 *     return ReturnStatus.done();
 *   }
 * }
 * ```
 */
export abstract class TaskGenerator<I extends { missing?(): string[] }, O> extends AbstractTask<I, O> {
  protected abstract steps(output: O): TaskSteps<O>;

  protected async body(runtime: TaskRuntime, output: O): Promise<BodyResult<O>> {
    const steps = this.steps(output);
    let next = steps.next();
    while (!next.done) {
      const batch = next.value;
      if (!Array.isArray(batch) || batch.some((task) => !(task instanceof AbstractTask))) {
        steps.return(undefined);
        throw new ValidationError(`${this.constructor.name}.steps() must yield arrays of tasks`);
      }
      let outcomes: Outcome[];
      try {
        outcomes = await runtime.runAll(batch);
      } catch (error) {
        // A task of the batch threw (captureExceptions off): the generator sees it at its yield,
        // where it may catch it, and its finally blocks run if it does not.
        next = steps.throw(error);
        continue;
      }
      next = steps.next(outcomes);
    }
    return next.value ?? ReturnStatus.done();
  }
}
