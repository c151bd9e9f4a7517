/**
 * Function Task, basic (notebook cells 5–12): wrap a function as a task, set its keyword arguments
 * and execute it in the foreground.
 *
 *   npx tsx examples/compose/fibonacci.ts
 */
import { FunctionTask, type ReturnStatus } from '../../src/index.js';
import { calcFib, isMain, type Log } from './tasks.js';

export interface FibonacciResult {
  args: unknown[];
  kwargs: Record<string, unknown>;
  status: ReturnStatus;
  result: bigint | undefined;
}

export async function main(log: Log = console.log): Promise<FibonacciResult> {
  const f = new FunctionTask(calcFib);
  // A FunctionTask's input holds positional `args` and keyword `kwargs`; kwargs reach the function
  // as one options object after the positional arguments (calcFib({ n: 10 })).
  const args = [...f.input.args];
  log(`f.input.args = ${JSON.stringify(args)}`); // []
  log(`f.input.kwargs = ${JSON.stringify(f.input.kwargs)}`); // {}
  f.input.kwargs.n = 10;
  const kwargs = { ...f.input.kwargs };
  log(`f.input.kwargs = ${JSON.stringify(kwargs)}`); // {"n":10}

  // execute() runs the task here and returns [status, output]; it never throws by default.
  const [status, output] = await f.execute();
  log(`status = ${status.toString()}`); // ReturnStatus(DONE)
  log(`output.result = ${String(output.result)}`); // 144
  return { args, kwargs, status, result: output.result };
}

if (isMain(import.meta.url)) await main();
