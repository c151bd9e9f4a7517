/**
 * Executors (notebook cells 13–31): the same task run by an executor in the foreground, in the
 * background on a worker thread, and in the background in a child process.
 *
 *   npx tsx examples/compose/executors.ts
 *
 * tinybase → taskfarm: `Executor()` → `TaskExecutor.foreground()`, `BackgroundExecutor(max_threads=1)`
 * → `TaskExecutor.threads(1)`, `ProcessExecutor(max_processes=1)` → `TaskExecutor.processes(1)`;
 * `exe.submit(tasks); exe.run()` → `const run = exe.run(tasks)`; `exe._run_machine.state` → `run.state`.
 */
import { FunctionTask, TaskExecutor, type ReturnStatus, type RunState } from '../../src/index.js';
import { calcFib, isMain, type Log } from './tasks.js';

export interface ExecutorsResult {
  foreground: { status: ReturnStatus | undefined; result: bigint };
  threads: { stateAfterRun: RunState; stateAfterWait: RunState; status: ReturnStatus | undefined; result: bigint };
  processes: { stateAfterRun: RunState; stateAfterWait: RunState; status: ReturnStatus | undefined; result: bigint };
}

/** `stepSeconds`: sleep per Fibonacci step (the notebook's 0.1 s would make n = 100 take 10 s). */
export async function main(log: Log = console.log, { stepSeconds = 0.002 } = {}): Promise<ExecutorsResult> {
  // Directly in the foreground: run() starts, wait() resolves when every task has ended.
  let f = new FunctionTask(calcFib);
  f.input.kwargs.n = 10;
  const exe = TaskExecutor.foreground();
  const run = exe.run([f]);
  await run.wait();
  log(`foreground: status[0] = ${String(run.status[0])}, output[0].result = ${String(run.output[0].result)}`); // DONE, 144
  const foreground = { status: run.status[0], result: run.output[0].result as bigint };

  // The same in the background, on one worker thread. The task is sent to the worker by reference
  // (calcFib is a defineTask export), so the thread imports tasks.ts and calls it there.
  f = new FunctionTask(calcFib);
  f.input.kwargs.n = 100;
  f.input.kwargs.stepSeconds = stepSeconds;
  let threads: ExecutorsResult['threads'];
  {
    await using background = TaskExecutor.threads(1);
    const bg = background.run([f]);
    const stateAfterRun = bg.state; // 'running': run() returns at once
    log(`threads: state after run() = ${stateAfterRun}`);
    await bg.wait();
    log(`threads: output[0].result = ${String(bg.output[0].result)}`); // 927372692193078999176
    threads = { stateAfterRun, stateAfterWait: bg.state, status: bg.status[0], result: bg.output[0].result as bigint };
  }

  // And in the background as a child process.
  f = new FunctionTask(calcFib);
  f.input.kwargs.n = 100;
  f.input.kwargs.stepSeconds = stepSeconds;
  let processes: ExecutorsResult['processes'];
  {
    await using background = TaskExecutor.processes(1);
    const bg = background.run([f]);
    const stateAfterRun = bg.state;
    log(`processes: state after run() = ${stateAfterRun}`); // running
    await bg.wait();
    log(`processes: output[0].result = ${String(bg.output[0].result)}`); // 927372692193078999176
    log(`processes: state after wait() = ${bg.state}`); // finished
    processes = { stateAfterRun, stateAfterWait: bg.state, status: bg.status[0], result: bg.output[0].result as bigint };
  }
  return { foreground, threads, processes };
}

if (isMain(import.meta.url)) await main();
