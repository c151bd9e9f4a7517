/**
 * LoopTask (notebook cells 51–60): a simple repeat loop, the same loop in the background, and a
 * loop with a termination condition. The body draws a random number.
 *
 *   npx tsx examples/compose/loop.ts
 *
 * Counting, as in the notebook: `repeat(10, restart)` runs the body once, then ten more times with
 * `restart` before each of them — 11 runs, 10 restarts. The restart prints the previous result, so
 * ten values are printed and the loop's final result is an eleventh value, none of them.
 */
import { FunctionTask, LoopTask, TaskExecutor, type FunctionOutput, type ReturnStatus } from '../../src/index.js';
import { isMain, random, type Log } from './tasks.js';

export interface LoopRun {
  status: ReturnStatus | undefined;
  /** What the restarts printed, one value per restart. */
  printed: number[];
  /** The loop's final result. */
  result: number;
}

export interface LoopResult {
  repeat: LoopRun;
  background: LoopRun;
  condition: LoopRun;
}

/** `l.input.repeat(10, restart=lambda output, input, scratch: print(output.result))`. */
export function makeRepeatLoop(printed: number[], log: Log, steps = 10): LoopTask {
  const l = new LoopTask();
  l.input.task = new FunctionTask(random);
  l.input.repeat(steps, (output: FunctionOutput<number>) => {
    printed.push(output.result!);
    log(String(output.result));
  });
  return l;
}

/** Loops until a draw is below `threshold`, printing every draw that is not. */
export function makeConditionLoop(printed: number[], log: Log, threshold = 0.15): LoopTask {
  const l = new LoopTask();
  l.input.task = new FunctionTask(random);
  l.input.controlWith({
    condition: (_task, output: FunctionOutput<number>) => output.result! < threshold,
    restart: (output: FunctionOutput<number>) => {
      printed.push(output.result!);
      log(String(output.result));
    },
  });
  return l;
}

export async function main(log: Log = console.log): Promise<LoopResult> {
  // Simple repeat loop, in the foreground.
  const printed: number[] = [];
  const [status, output] = await makeRepeatLoop(printed, log).execute();
  const repeat = { status, printed, result: (output as FunctionOutput<number>).result! };
  log(`repeat: ${status.toString()}, final result ${repeat.result}`);

  // The same loop in the background on one thread: each run of the body goes to the worker; the
  // loop itself, its condition and its restarts (the printing) run here.
  const bgPrinted: number[] = [];
  let background: LoopRun;
  {
    await using exe = TaskExecutor.threads(1);
    const run = exe.run([makeRepeatLoop(bgPrinted, log)]);
    await run.wait();
    background = { status: run.status[0], printed: bgPrinted, result: run.output[0].result as number };
    log(`background: ${String(run.status[0])}, output[0].result = ${background.result}`);
  }

  // Loop with a termination condition: stop at the first draw below 0.15.
  const condPrinted: number[] = [];
  const [condStatus, condOutput] = await makeConditionLoop(condPrinted, log).execute();
  const condition = { status: condStatus, printed: condPrinted, result: (condOutput as FunctionOutput<number>).result! };
  log(`condition: ${condStatus.toString()}, final result ${condition.result}`);

  return { repeat, background, condition };
}

if (isMain(import.meta.url)) await main();
