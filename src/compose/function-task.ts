import { ValidationError } from '../core/errors.js';
import { cloneValue } from './container.js';
import { AbstractTask, type TaskOptions, type TaskRuntime } from './task.js';

/** Input of a {@link FunctionTask}: positional arguments and keyword arguments. */
export class FunctionInput {
  /** Positional arguments. */
  args: unknown[] = [];
  /** Passed as one options object after the positional arguments, when it has any key. */
  kwargs: Record<string, unknown> = {};

  /** Checked before the task runs (a wrong type here would fail late, in a worker). */
  missing(): string[] {
    if (!Array.isArray(this.args)) throw new ValidationError(`FunctionInput.args must be an array, got ${typeof this.args}`);
    if (typeof this.kwargs !== 'object' || this.kwargs === null || Array.isArray(this.kwargs)) {
      throw new ValidationError(`FunctionInput.kwargs must be an object, got ${Array.isArray(this.kwargs) ? 'an array' : typeof this.kwargs}`);
    }
    return [];
  }

  clone(): FunctionInput {
    const copy = new FunctionInput();
    copy.args = cloneValue(this.args);
    copy.kwargs = cloneValue(this.kwargs);
    return copy;
  }

  /** The arguments the function is called with. */
  callArguments(): unknown[] {
    return Object.keys(this.kwargs).length > 0 ? [...this.args, this.kwargs] : [...this.args];
  }
}

/** Output of a {@link FunctionTask}: what the function returned. */
export class FunctionOutput<R = unknown> {
  result: R | undefined;
}

/**
 * Wraps a function as a task. In the foreground it is called in-process; on a TaskExecutor it is
 * submitted to the executor's pool, so it must be shippable there (defineTask, or self-contained).
 *
 * ```ts
 * const f = new FunctionTask(calcFib);
 * f.input.kwargs.n = 10;
 * const [status, output] = await f.execute();   // output.result === 144
 * ```
 */
export class FunctionTask<F extends (...args: never[]) => unknown = (...args: never[]) => unknown> extends AbstractTask<FunctionInput, FunctionOutput<Awaited<ReturnType<F>>>> {
  constructor(readonly fn: F, options?: TaskOptions) {
    super(options);
    if (typeof fn !== 'function') throw new ValidationError(`FunctionTask needs a function, got ${typeof fn}`);
  }

  protected makeInput(): FunctionInput {
    return new FunctionInput();
  }

  makeOutput(): FunctionOutput<Awaited<ReturnType<F>>> {
    return new FunctionOutput();
  }

  protected async body(runtime: TaskRuntime, output: FunctionOutput<Awaited<ReturnType<F>>>): Promise<void> {
    output.result = (await runtime.call(this.fn, this.input.callArguments())) as Awaited<ReturnType<F>>;
  }
}
