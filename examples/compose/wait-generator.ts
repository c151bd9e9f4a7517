/**
 * Implementation example (notebook cells 61–66): a task that waits `n` times `time` seconds, where
 * each wait is an independent task of its own. It is a TaskGenerator: it yields a batch of tasks,
 * the executor runs them however it can and sends back their [status, output] pairs. To the user
 * it is a task like any other.
 *
 *   npx tsx examples/compose/wait-generator.ts
 *
 * Expected: about n·time in the foreground and on one worker, about n·time/k on k workers (waiting
 * needs no CPU, so threads and processes both scale, whatever the number of cores).
 */
import {
  defineContainer, field, FunctionTask, ProcessExecutor, ReturnStatus, TaskExecutor, TaskGenerator, ThreadExecutor,
  type Executor, type Outcome, type TaskSteps,
} from '../../src/index.js';
import { isMain, sleep, warmUp, type Log } from './tasks.js';

/** The input parameters, each with a type, a default and a doc string. */
export const WaitInput = defineContainer('WaitInput', {
  time: field.number().default(10.0).doc('seconds each wait takes'),
  n: field.integer().default(10).doc('how many waits'),
});
export type WaitInput = InstanceType<typeof WaitInput>;

/** No meaningful output, so no fields. */
export const WaitOutput = defineContainer('WaitOutput', {});
export type WaitOutput = InstanceType<typeof WaitOutput>;

export class WaitGenerator extends TaskGenerator<WaitInput, WaitOutput> {
  /** The outcomes the executor sent back for the batch (kept to show what a generator receives). */
  received: Outcome[] = [];

  protected makeInput(): WaitInput {
    return new WaitInput();
  }

  makeOutput(): WaitOutput {
    return new WaitOutput();
  }

  // The main computation of a generator. Executors run each yielded batch and send the outcomes
  // back in, so a later batch could depend on them. Here: n independent waits in one batch, then
  // our own status.
  protected *steps(): TaskSteps<WaitOutput> {
    const tasks: FunctionTask[] = [];
    for (let i = 0; i < this.input.n; i += 1) {
      const t = new FunctionTask(sleep);
      t.input.args = [this.input.time];
      tasks.push(t);
    }
    this.received = yield tasks;
    return ReturnStatus.done();
  }
}

export interface Timing {
  where: string;
  status: ReturnStatus | undefined;
  seconds: number;
}

/** Runs `wait` on `executor` (shut down after), starting every worker first; times only the run. */
export async function timeOnPool(where: string, executor: Executor, wait: WaitGenerator): Promise<Timing> {
  await using exe = new TaskExecutor(executor, { own: true });
  await warmUp(executor);
  const start = performance.now();
  const run = exe.run([wait]);
  await run.wait();
  return { where, status: run.status[0], seconds: (performance.now() - start) / 1000 };
}

/** Times the wait generator in the foreground and on pools. `time`: seconds per wait. */
export async function main(log: Log = console.log, { time = 0.1, n = 10 } = {}): Promise<Timing[]> {
  // captureExceptions: false lets an exception propagate from execute() with its own stack trace,
  // handy while writing a new task. By default it would become an ABORTED status.
  const wait = new WaitGenerator({ captureExceptions: false });
  wait.input.time = time;
  wait.input.n = n;
  log(`${n} waits of ${time} s, expected about ${n * time} s sequentially`);

  const timings: Timing[] = [];
  const report = (timing: Timing): void => {
    timings.push(timing);
    log(`${timing.where.padEnd(12)} ${timing.seconds.toFixed(2)} s  ${String(timing.status)}`);
  };

  // execute() runs one task after the other: n·time.
  const start = performance.now();
  const [status] = await wait.execute();
  report({ where: 'foreground', status, seconds: (performance.now() - start) / 1000 });

  // One process: still n·time. Four processes or four threads: about n·time/4 (plus overhead).
  report(await timeOnPool('1 process', new ProcessExecutor({ workers: 1 }), wait));
  report(await timeOnPool('4 processes', new ProcessExecutor({ workers: 4 }), wait));
  report(await timeOnPool('4 threads', new ThreadExecutor({ workers: 4 }), wait));
  return timings;
}

if (isMain(import.meta.url)) await main();
