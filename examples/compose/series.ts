/**
 * SeriesTask (notebook cells 42–50): Fibonacci, then the square root of its result. A transfer
 * function moves what one step produced into the input of the next.
 *
 *   npx tsx examples/compose/series.ts
 */
import { FunctionTask, SeriesTask, TaskExecutor, type FunctionInput, type FunctionOutput, type ReturnStatus } from '../../src/index.js';
import { calcFib, isMain, sqrt, type Log } from './tasks.js';

/** The notebook's `transfer(input, output)`: the next step's input, the previous step's output. */
export function transfer(input: FunctionInput, output: FunctionOutput<bigint>): void {
  // calcFib returns a BigInt; Math.sqrt needs a number (144n → 144).
  input.args = [Number(output.result)];
}

/** fib(n) → sqrt, as in the notebook. `sqrtFn` is the second step's function. */
export function makeSeries(n = 10, sqrtFn: (x: number) => number = sqrt): SeriesTask {
  const s = new SeriesTask();
  const f1 = new FunctionTask(calcFib);
  const f2 = new FunctionTask(sqrtFn);
  s.input.first(f1).then(f2, transfer);
  s.input.tasks[0]!.input.kwargs.n = n;
  return s;
}

export interface SeriesResult {
  foreground: { status: ReturnStatus; result: number | undefined };
  threads: { status: ReturnStatus | undefined; result: number | undefined };
  nativeOnPool: { status: ReturnStatus | undefined };
}

export async function main(log: Log = console.log): Promise<SeriesResult> {
  // In the foreground.
  const s = makeSeries(10);
  const [status, output] = await s.execute();
  const result = (output as FunctionOutput<number>).result;
  log(`status = ${status.toString()}`); // ReturnStatus(DONE)
  log(`output.result = ${String(result)}`); // 12

  // A series is a task like any other: on an executor each step's work goes to the pool, while
  // the series itself (its order and its transfers) runs here.
  await using exe = TaskExecutor.threads(1);
  const run = exe.run(makeSeries(10));
  await run.wait();
  log(`on a thread: status = ${String(run.status[0])}, output.result = ${String(run.output[0].result)}`); // DONE, 12

  // Why not `new FunctionTask(Math.sqrt)`? It works in the foreground, but Math.sqrt is native:
  // there is no source to ship to a worker and no module to load it from. On a pool the step is
  // ABORTED with a TaskDefinitionError, and the series with it. Use a wrapper (tasks.ts's `sqrt`,
  // or `(x: number) => Math.sqrt(x)`).
  const native = exe.run(makeSeries(10, Math.sqrt));
  await native.wait();
  log(`Math.sqrt on a thread: ${String(native.status[0])}; cause: ${native.status[0]?.error?.name}: ${native.status[0]?.error?.message}`);

  return {
    foreground: { status, result },
    threads: { status: run.status[0], result: run.output[0].result as number | undefined },
    nativeOnPool: { status: native.status[0] },
  };
}

if (isMain(import.meta.url)) await main();
