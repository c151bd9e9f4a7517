import { ValidationError } from '../core/errors.js';
import { ReturnStatus } from './status.js';
import { cloneValue } from './container.js';
import { AbstractTask, type AnyTask, type Outcome, type TaskOptions, type TaskRuntime } from './task.js';

/** Shared by the condition and restart of one loop run (tinybase's scratch dict). */
export type Scratch = Record<string, unknown>;
/** True ends the loop: `(task, output, scratch) => boolean`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the body may be any task
export type LoopCondition = (task: any, output: any, scratch: Scratch) => boolean;
/** Prepares the next run: `(previousOutput, nextInput, scratch) => void`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the body may be any task
export type LoopRestart = (output: any, input: any, scratch: Scratch) => void;

/** Input of a {@link LoopTask}: the body and how the loop is controlled. */
export class LoopInput {
  /** The loop body. */
  task: AnyTask | undefined;
  condition: LoopCondition | undefined;
  restart: LoopRestart = () => undefined;

  /**
   * Runs the body, then `steps` more times, calling `restart` before each of those: `repeat(10)`
   * runs the body 11 times and `restart` 10 times, as the tinybase notebook this is ported from
   * shows (ten restarts printed, then a final result that is none of them).
   */
  repeat(steps: number, restart?: LoopRestart): this {
    if (!(Number.isInteger(steps) && steps >= 0)) throw new ValidationError(`LoopInput.repeat(steps): steps must be an integer >= 0, got ${String(steps)}`);
    return this.controlWith({
      condition: (_task, _output, scratch) => {
        const count = ((scratch.counter as number | undefined) ?? 0) + 1;
        scratch.counter = count;
        return count > steps;
      },
      restart,
    });
  }

  /** Runs the body until `condition` says stop, calling `restart` between runs. */
  controlWith({ condition, restart }: { condition: LoopCondition; restart?: LoopRestart }): this {
    if (typeof condition !== 'function') throw new ValidationError('LoopInput.controlWith(): condition must be a function (task, output, scratch) => boolean');
    this.condition = condition;
    this.restart = restart ?? (() => undefined);
    return this;
  }

  missing(): string[] {
    return [...(this.task ? [] : ['task']), ...(this.condition ? [] : ['condition (call repeat() or controlWith())'])];
  }
}

/**
 * Runs a task again and again: after each run the condition decides whether to stop; if not, the
 * restart prepares the next run. The body is copied first, so the task given stays as it was. A
 * run that does not end DONE aborts the loop with its status as cause.
 */
export class LoopTask extends AbstractTask<LoopInput, unknown> {
  constructor(options?: TaskOptions) {
    super(options);
  }

  protected makeInput(): LoopInput {
    return new LoopInput();
  }

  makeOutput(): unknown {
    return {};
  }

  protected async body(runtime: TaskRuntime): Promise<Outcome> {
    const { task, condition, restart } = this.input;
    const body = task!;
    // The loop's restarts change a copy of the body's input, never the task it was given.
    return body._withInput(copyInput(body.input), async () => {
      const scratch: Scratch = {};
      for (let run = 1; ; run += 1) {
        const [[status, output]] = (await runtime.runAll([body])) as [Outcome];
        if (!status.isDone()) return [ReturnStatus.aborted(`run ${run} of the loop ended ${status.code}`, status), output];
        if (condition!(body, output, scratch)) return [status, output];
        restart(output, body.input, scratch);
      }
    });
  }
}

/** A copy of an input: its own `clone()` when it has one (containers and FunctionInput do). */
function copyInput<I extends object>(input: I): I {
  const own = input as { clone?: () => I };
  if (typeof own.clone === 'function') return own.clone();
  return Object.assign(Object.create(Object.getPrototypeOf(input)) as I, cloneValue({ ...input }));
}
